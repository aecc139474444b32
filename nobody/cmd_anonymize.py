"""`nobody anonymize IMAGE -o OUT [--keep 1,3] [--mode replace|blur|pixelate|solid] [--seed N] [--report R.json]`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from nobody.errors import CliError
from nobody.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("anonymize", help="replace every face not kept with a face of nobody")
    p.add_argument("image", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="result file (metadata stripped)")
    p.add_argument("--keep", type=_numbers, default=[], help="face numbers to keep, as `nobody analyze` prints them")
    p.add_argument("--mode", choices=["replace", "blur", "pixelate", "solid"], default="replace")
    p.add_argument("--seed", type=int, default=0, help="same seed, same donors")
    p.add_argument("--no-verify", action="store_true", help="skip the identity/re-detection check (faster)")
    p.add_argument("--report", type=Path, metavar="REPORT.json", help="per-face report")
    p.set_defaults(handler=run)


def _numbers(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected face numbers like 1,3 — got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from inference.jobs import Engine, JobError, run_anonymize

    engine = Engine(get_settings())
    options = {"keep": args.keep, "mode": args.mode, "seed": args.seed, "verify": not args.no_verify}
    started = time.perf_counter()
    try:
        output = run_anonymize(engine, _read(args.image), options)
    except JobError as exc:
        raise CliError(exc.message) from None
    elapsed = time.perf_counter() - started
    target = args.output
    if target.suffix.lower() != output.suffix:
        print(f"note: writing {output.suffix} data (same format family as the input) to {target}", file=sys.stderr)
    target.write_bytes(output.image)
    if args.report:
        args.report.write_text(json.dumps(output.report, indent=1))
    _summary(output.report, elapsed, target)
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _summary(report: dict[str, object], elapsed: float, target: Path) -> None:
    faces: list[dict[str, object]] = report["faces"]  # type: ignore[assignment]
    for f in faces:
        line = f"{f['number']:>3} {f['mode']:8}"
        if f["mode"] == "replace":
            line += f" distance {f['identity_distance'] or 0:.2f}  donor {f['donor_gender']} {f['donor_age']}"
        if f.get("fallback"):
            line += f"  (fallback: {f['fallback']})"
        print(line)
    replaced = sum(1 for f in faces if not f["kept"])
    print(f"{replaced}/{len(faces)} face(s) anonymized in {elapsed:.2f} s -> {target}")
