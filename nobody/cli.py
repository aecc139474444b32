"""`nobody` command line: one sub-command per job, each a thin wrapper over models/, inference/ or bot/."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from models import ModelError
from nobody import cmd_age, cmd_analyze, cmd_anonymize, cmd_bot, cmd_eval, cmd_models, cmd_service
from nobody.errors import CliError

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nobody", description="Faces of nobody: anonymize and age photos.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd_models.register(sub)
    cmd_analyze.register(sub)
    cmd_anonymize.register(sub)
    cmd_age.register(sub)
    cmd_bot.register(sub)
    cmd_service.register(sub)
    cmd_eval.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s: %(message)s"
    )
    handler: Command = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except (CliError, ModelError, ValueError) as exc:  # ValueError covers inference.image_io.ImageError
        print(f"nobody: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
