"""Warm timing of `nobody age` on one face with four target ages (2-core CPU budget: <= 3 s).

    NOBODY_MODEL_DIR=... NOBODY_MODEL_MIRROR=../shared/models .venv/bin/python bench/bench_age.py [IMAGE] [--runs N]

Needs the age prototypes in the model cache (`nobody age-prototypes`). Prints the median of N warm runs, split
into analysis, editing + pasting, and measuring the results (re-detect, age, identity), and the same without the
measuring. Other work on the machine inflates wall time: compare medians, not single runs. CPU time (all
threads of this process) is printed too: it hardly moves with other load, and on an idle 2-core machine the
wall time is at most about that (less where onnxruntime/OpenVINO use both cores).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from inference.aging.factory import shared_ager
from inference.analyze import FaceAnalyzer
from inference.image_io import load_image
from nobody.settings import get_settings

TARGETS = (15, 20, 30, 40)
DEFAULT_IMAGE = Path(__file__).resolve().parents[2] / "shared" / "images" / "Tom_Hanks_54745.png"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image", type=Path, nargs="?", default=DEFAULT_IMAGE)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = get_settings()
    rgb = load_image(args.image, max_pixels=settings.max_pixels, max_bytes=settings.max_bytes).rgb
    started = time.perf_counter()
    ager = shared_ager(FaceAnalyzer(settings.store(), detector=settings.detector))
    ager.run(rgb, TARGETS)  # warm-up: loads the embedding model, first-run allocations
    print(f"cold (load + first run): {time.perf_counter() - started:.2f} s")
    for measure in (True, False):
        totals, cpu, parts = [], [], {}
        for _ in range(args.runs):
            clock, cpu_clock = time.perf_counter(), time.process_time()
            result = ager.run(rgb, TARGETS, measure=measure)
            totals.append(time.perf_counter() - clock)
            cpu.append(time.process_time() - cpu_clock)
            for key, value in result.seconds.items():
                parts.setdefault(key, []).append(value)
        split = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in parts.items())
        label = "with measuring" if measure else "edit only"
        print(f"{label}: median {statistics.median(totals):.2f} s wall over {args.runs} runs ({split}); "
              f"min {min(totals):.2f} max {max(totals):.2f}; CPU median {statistics.median(cpu):.2f} s")  # fmt: skip
    print(f"image {args.image.name} {rgb.shape[1]}x{rgb.shape[0]}, targets {TARGETS}, face reads {result.face.age:.0f}")


if __name__ == "__main__":
    main()
