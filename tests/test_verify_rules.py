"""The rules that turn one try's measurements into accept / retry / fallback (no models needed)."""

from __future__ import annotations

from inference.anonymize.pipeline import AGE_TRIES, _accepted, _fallback_note, _rank, _Try
from inference.anonymize.verify import AGE_TOLERANCE, LAST_RESORT, THRESHOLD, Verdict
from inference.patch import Patch

CLEAR = THRESHOLD + 0.1  # a new person, with the margin
NEAR = (LAST_RESORT + THRESHOLD) / 2  # past dlib's line, inside the margin


def test_every_check_must_pass() -> None:
    assert Verdict(True, CLEAR, True, 3.0).ok
    assert not Verdict(False, None, None).ok
    assert not Verdict(True, NEAR, True, 0.0).ok
    assert not Verdict(True, CLEAR, False, 0.0).ok
    assert not Verdict(True, CLEAR, True, AGE_TOLERANCE + 1).ok
    assert not Verdict(True, CLEAR, True, None).ok  # age not measured is not age kept
    assert "years" in Verdict(True, CLEAR, True, -(AGE_TOLERANCE + 5)).reason


def test_age_holds_a_face_back_only_for_the_first_tries() -> None:
    off_in_age = Verdict(True, CLEAR, True, AGE_TOLERANCE + 4)
    assert not any(_accepted(off_in_age, tries) for tries in range(1, AGE_TRIES + 1))
    assert _accepted(off_in_age, AGE_TRIES + 1)
    assert not _accepted(Verdict(True, NEAR, True, 0.0), AGE_TRIES + 1)  # identity is never relaxed this way


def test_fallback_prefers_a_margin_cleared_try_then_the_farthest() -> None:
    tries = [
        _Try(None, Patch.empty(), Verdict(True, NEAR + 0.02, True, 0.0)),
        _Try(None, Patch.empty(), Verdict(True, CLEAR, True, AGE_TOLERANCE + 8)),
        _Try(None, Patch.empty(), Verdict(True, NEAR, True, 0.0)),
    ]
    best = max(tries, key=_rank)
    assert best is tries[1]
    assert "years" in _fallback_note(best.verdict, 3)  # type: ignore[arg-type]
    assert max(tries[::2], key=_rank) is tries[0]
    assert "margin" in _fallback_note(tries[0].verdict, 3)  # type: ignore[arg-type]
    assert not Verdict(True, LAST_RESORT - 0.01, None).acceptable  # skipped age/gender: never a fallback
