"""The README's set-up commands are what CI runs, and what they name exists."""

from __future__ import annotations

import re
from pathlib import Path

from nobody.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)
    return [b.strip() for b in blocks[:2]]


def test_ci_runs_the_readme_test_command() -> None:
    run, test = _commands()
    assert "pytest" in test and "anonymize" in run
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines


def test_readme_sub_commands_exist() -> None:
    parser = build_parser()
    for command in _commands():
        for call in re.findall(r"\.venv/bin/nobody ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", command):
            words = call.split()
            try:
                parser.parse_args([*words, "--help"])
            except SystemExit as exc:  # --help exits 0; an unknown sub-command exits 2
                assert exc.code == 0, f"`nobody {call}` is not a command"
