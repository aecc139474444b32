"""`nobody eval anonymize DIR [--sheet OUT.png]`: quality numbers for the anonymizer on a folder of photos."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from nobody import cmd_age
from nobody.errors import CliError
from nobody.settings import get_settings

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".bmp", ".tif", ".tiff"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("eval", help="evaluation commands (quality numbers and contact sheets)")
    esub = parser.add_subparsers(dest="eval_command", required=True)
    p = esub.add_parser("anonymize", help="replace every face in every photo of DIR and measure the result")
    p.add_argument("paths", nargs="+", type=Path, help="photos or folders of photos")
    p.add_argument("--sheet", type=Path, default=Path("anonymize-sheet.png"), help="before/after contact sheet")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_anonymize)
    cmd_age.register_eval(esub, "age")


def photos_in(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise CliError(f"{path} does not exist")
    return found


def _anonymize(args: argparse.Namespace) -> int:
    from inference.analyze import FaceAnalyzer
    from inference.anonymize.evaluate import contact_sheet, evaluate
    from inference.anonymize.pipeline import Anonymizer
    from inference.image_out import encode_image

    settings = get_settings()
    anonymizer = Anonymizer.from_analyzer(FaceAnalyzer(settings.store(), detector=settings.detector))
    result = evaluate(anonymizer, photos_in(args.paths), seed=args.seed)
    for face in result.faces:
        distance = "not a face" if face.distance is None else f"{face.distance:.2f}"
        age = "" if face.age_delta is None else f"{face.age_delta:+.0f}"
        print(
            f"{face.photo:32} #{face.number:<3} {face.mode:8} distance {distance:10} "
            f"gender kept {face.gender_kept!s:5} Δage {age}"
        )
    print("summary:")
    for key, value in result.summary().items():
        print(f"  {key:26} {value:.3f}" if isinstance(value, float) else f"  {key:26} {value}")
    if result.seconds:
        print(f"  median seconds per photo   {statistics.median(result.seconds):.2f}")
    args.sheet.write_bytes(encode_image(contact_sheet(result.tiles), "PNG"))
    print(f"contact sheet -> {args.sheet}")
    return 0
