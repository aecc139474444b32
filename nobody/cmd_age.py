"""`nobody age IMAGE --to 15,20,30 [--face N] -o OUTDIR [--report R.json]`, plus the engine's chores:
`nobody age-prototypes` (build the prototypes into the model cache) and the evaluation, which `nobody.cmd_eval`
registers as `nobody eval age [OUTDIR]`."""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from nobody.errors import CliError
from nobody.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("age", help="show how a face may look at other ages, pasted back into the photo")
    p.add_argument("image", type=Path)
    p.add_argument("--to", type=_ages, required=True, metavar="15,20,30", help="target ages (1..90, at most 6)")
    p.add_argument("--face", type=int, help="face number from `nobody analyze` (default: the largest face)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="directory for the results")
    p.add_argument("--report", type=Path, metavar="REPORT.json", help="estimated age and identity distance per target")
    p.set_defaults(handler=run)

    p = sub.add_parser("age-prototypes", help="build the aging engine's prototypes into the model cache (minutes)")
    p.add_argument("--people", type=int, help="generated people to walk through the ages (default 24)")
    p.add_argument("--seed", type=int, help="seed of the people")
    p.add_argument("--out", type=Path, help="write here instead of the model cache")
    steps = p.add_mutually_exclusive_group()
    steps.add_argument("--no-calibrate", action="store_true", help="walks only; calibrate later (--calibrate-only)")
    steps.add_argument("--calibrate-only", action="store_true", help="calibrate an existing file again, in place")
    p.set_defaults(handler=build)


def register_eval(sub: argparse._SubParsersAction, name: str = "age") -> None:  # type: ignore[type-arg]
    """The evaluation command, registered under the eval group by `nobody.cmd_eval`: `nobody eval age`."""
    p = sub.add_parser(name, help="measure aging on generated children/adults and real photos; contact sheet")
    p.add_argument("output", type=Path, nargs="?", default=Path("age-eval"), metavar="OUTDIR")
    p.add_argument("--images", type=Path, help="directory with t1.jpg and Tom_Hanks_54745.png (default: none)")
    p.set_defaults(handler=evaluate)


def _ages(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ages like 15,20,30 — got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from inference.jobs import Engine, JobError, run_age

    try:
        data = args.image.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.image}: {exc.strerror}") from None
    started = time.perf_counter()
    try:
        output = run_age(Engine(get_settings()), data, {"targets": args.to, "face": args.face})
    except JobError as exc:
        raise CliError(exc.message) from None
    elapsed = time.perf_counter() - started
    args.output.mkdir(parents=True, exist_ok=True)
    stem = args.image.stem
    (args.output / f"{stem}_strip{output.suffix}").write_bytes(output.image)
    for name, blob in output.extra.items():
        (args.output / f"{stem}_{name}{_suffix(blob)}").write_bytes(blob)
    if args.report:
        args.report.write_text(json.dumps(output.report, indent=1))
    face = output.report["face"]
    print(f"face {face['number']}: reads {face['age']} ({face['gender']})")
    for t in output.report["targets"]:
        print(f"  age {t['target']:>3.0f}: reads {t['estimated_age']}, identity distance {t['identity_distance']}")
    print(f"{len(output.extra)} image(s) + strip in {elapsed:.2f} s -> {args.output}")
    return 0


def _suffix(blob: bytes) -> str:
    from PIL import Image

    from inference.image_out import suffix_for

    with Image.open(io.BytesIO(blob)) as image:
        return suffix_for(str(image.format))


def build(args: argparse.Namespace) -> int:
    from inference.aging.build import DEFAULT_PEOPLE, DEFAULT_SEED, build_age_prototypes, recalibrate
    from inference.aging.prototypes import default_path

    store = get_settings().store()
    started = time.monotonic()
    if args.calibrate_only:
        path = args.out or default_path(store)
        if not path.is_file():
            raise CliError(f"no age prototypes at {path} to calibrate: build them first")
        protos = recalibrate(store, path)
        print(f"calibrated {path}: {json.dumps(protos.meta)}")
        return 0

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} people walked ({time.monotonic() - started:.0f} s)", end="", file=sys.stderr)

    protos = build_age_prototypes(
        store,
        n_people=args.people or DEFAULT_PEOPLE,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        out_path=args.out,
        progress=progress,
        calibrate=not args.no_calibrate,
    )
    print(file=sys.stderr)
    print(f"wrote {args.out or default_path(store)}: {json.dumps(protos.meta)}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from inference.aging.evaluate import REAL_PHOTOS, evaluate, summarize
    from inference.aging.factory import shared_ager
    from inference.analyze import FaceAnalyzer
    from inference.generate.donor import DonorGenerator
    from inference.image_io import load_image
    from inference.image_out import encode_image

    settings = get_settings()
    store = settings.store()
    ager = shared_ager(FaceAnalyzer(store, detector=settings.detector))
    images = []
    if args.images:
        for name in REAL_PHOTOS:
            loaded = load_image(args.images / name, max_pixels=settings.max_pixels, max_bytes=settings.max_bytes)
            images.append((name, loaded.rgb))
    started = time.monotonic()
    rows, sheet = evaluate(ager, DonorGenerator(store), images, log=print)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "contact_sheet.png").write_bytes(encode_image(sheet, "PNG"))
    summary = summarize(rows)
    payload = {"summary": summary, "rows": [{**vars(r), "age_error": r.age_error} for r in rows]}
    (args.output / "age_eval.json").write_text(json.dumps(payload, indent=1))
    print(json.dumps(summary, indent=1))
    print(f"{len(rows)} edits in {time.monotonic() - started:.0f} s -> {args.output}")
    return 0
