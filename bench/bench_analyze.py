"""Warm medians: detection per detector at its default settings, the whole `analyze` on t1 and Solvay, and model
load time.

    NOBODY_MODEL_MIRROR=../shared/models:../shared/images .venv/bin/python bench/bench_analyze.py [--runs N]

Targets on 2 cores: analyze t1 <= 150 ms, Solvay <= 600 ms. Other load on the machine inflates every figure;
compare medians from the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from timing import median_ms  # bench/timing.py: scripts here run with bench/ on sys.path

from inference.analyze import FaceAnalyzer
from inference.detect.registry import DETECTORS, make_detector
from inference.image_io import load_image
from nobody.settings import get_settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "images"
PHOTOS = ("t1.jpg", "solvay_conference_1927.jpg", "Tom_Hanks_54745.png")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    settings = get_settings()
    store = settings.store()
    images = {n: load_image(SHARED / n, max_pixels=10**8, max_bytes=1 << 28).rgb for n in PHOTOS}

    started = time.perf_counter()
    analyzer = FaceAnalyzer(store, detector=settings.detector)
    _ = analyzer.embedding
    print(f"model load (detector {settings.detector}, landmarks, age/gender, embedding): "
          f"{1000 * (time.perf_counter() - started):.0f} ms")  # fmt: skip

    for name in DETECTORS:
        detector = make_detector(name, store)
        cells = []
        for photo, rgb in images.items():
            found = len(detector.detect(rgb))
            ms = median_ms(lambda d=detector, r=rgb: d.detect(r), args.runs)
            cells.append(f"{photo.split('.')[0][:10]} {found:2} faces {ms:6.0f} ms")
        print(f"detect {name:10} " + " | ".join(cells))

    for photo, rgb in images.items():
        analyze = median_ms(lambda r=rgb: analyzer.analyze(r), args.runs)
        with_ids = median_ms(lambda r=rgb: analyzer.analyze(r, embeddings=True), max(3, args.runs // 3))
        print(f"analyze {photo:28} {analyze:6.0f} ms   with identity embeddings {with_ids:6.0f} ms")


if __name__ == "__main__":
    main()
