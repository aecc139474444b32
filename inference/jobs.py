"""The jobs, as plain functions over image bytes + JSON-able options → result bytes + report.

The HTTP service, the queue worker and the bot's embedded mode all call these and nothing deeper, so a job
behaves the same wherever it runs. Models load once per process (`Engine`), on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inference.image_io import LoadedImage, load_image
from inference.image_out import content_type_for, encode_image, output_format, suffix_for
from nobody.settings import Settings, get_settings


class JobError(ValueError):
    """A request the job cannot serve, with a stable code and a message for the user (HTTP 4xx)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AnalyzeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sheet: bool = True  # also render the numbered face sheet


class AnonymizeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: list[int] = Field(default_factory=list, description="face numbers (from analyze) to keep unchanged")
    mode: Literal["replace", "blur", "pixelate", "solid"] = "replace"
    seed: int = Field(0, ge=0, lt=2**31)
    verify: bool = True
    # PNG output, so kept faces and the background stay bit-identical to the decoded input, plus a JPEG preview
    # (long side ≤ 2560) in extra["preview"]: the bot sends the PNG as a document (Telegram re-compresses photos).
    lossless: bool = False


class AgeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[int] = Field(min_length=1, max_length=6)
    face: int | None = Field(None, ge=1, description="face number; default: the largest face")


@dataclass
class JobOutput:
    image: bytes  # the main result
    content_type: str
    suffix: str
    report: dict[str, Any]
    extra: dict[str, bytes] = field(default_factory=dict)  # further images by name (e.g. one per target age)


def parse_options(model: type[BaseModel], options: dict[str, Any] | None) -> Any:
    try:
        return model.model_validate(options or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "options"
        raise JobError("bad_options", f"{where}: {first['msg']}") from None


class Engine:
    """Models for every job, loaded lazily and once per process; thread-safe to share."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._lock = threading.Lock()
        self._analyzer: Any = None
        self._anonymizer: Any = None

    def load(self, rgb: bytes) -> LoadedImage:
        return load_image(rgb, max_pixels=self.settings.max_pixels, max_bytes=self.settings.max_bytes)

    @property
    def analyzer(self) -> Any:
        with self._lock:
            if self._analyzer is None:
                from inference.analyze import FaceAnalyzer

                self._analyzer = FaceAnalyzer(self.settings.store(), detector=self.settings.detector)
            return self._analyzer

    @property
    def anonymizer(self) -> Any:
        analyzer = self.analyzer
        with self._lock:
            if self._anonymizer is None:
                from inference.anonymize.pipeline import Anonymizer

                self._anonymizer = Anonymizer.from_analyzer(analyzer)
            return self._anonymizer

    def warm(self) -> None:
        """Load every model now (for /readyz and worker start-up) instead of on the first request."""
        _ = self.anonymizer


def run_analyze(engine: Engine, data: bytes, options: dict[str, Any] | None = None) -> JobOutput:
    opts: AnalyzeOptions = parse_options(AnalyzeOptions, options)
    loaded = engine.load(data)
    faces = engine.analyzer.analyze(loaded.rgb)
    report = {
        "width": loaded.width,
        "height": loaded.height,
        "notes": loaded.notes,
        "faces": [f.to_dict() for f in faces],
    }
    if opts.sheet:
        from inference.sheet import render_sheet

        sheet: np.ndarray = render_sheet(loaded.rgb, faces)  # numbered boxes + a strip of labelled face crops
        return JobOutput(encode_image(sheet, "JPEG"), "image/jpeg", ".jpg", report)
    return JobOutput(b"", "application/octet-stream", "", report)


def run_anonymize(engine: Engine, data: bytes, options: dict[str, Any] | None = None) -> JobOutput:
    from inference.anonymize.pipeline import UnknownFace

    opts: AnonymizeOptions = parse_options(AnonymizeOptions, options)
    loaded = engine.load(data)
    try:
        result = engine.anonymizer.run(
            loaded.rgb, keep=set(opts.keep), mode=opts.mode, seed=opts.seed, verify=opts.verify
        )
    except UnknownFace as exc:
        raise JobError("unknown_face", str(exc)) from None
    fmt = "PNG" if opts.lossless else output_format(loaded.format)
    report = {"width": loaded.width, "height": loaded.height, "notes": loaded.notes, **result.report()}
    extra: dict[str, bytes] = {}
    if opts.lossless:
        from inference.sheet import preview

        extra["preview"] = encode_image(preview(result.image), "JPEG")
    return JobOutput(encode_image(result.image, fmt), content_type_for(fmt), suffix_for(fmt), report, extra)


def run_age(engine: Engine, data: bytes, options: dict[str, Any] | None = None) -> JobOutput:
    """Main image: the labelled strip (JPEG); extra["age_<T>"]: the whole photo with the face aged to T."""
    from inference.aging.factory import shared_ager
    from inference.aging.pipeline import NoFace

    opts: AgeOptions = parse_options(AgeOptions, options)
    if any(not 1 <= t <= 90 for t in opts.targets):
        raise JobError("bad_options", "targets: ages must be between 1 and 90")
    loaded = engine.load(data)
    try:
        ager = shared_ager(engine.analyzer)
    except (FileNotFoundError, ValueError) as exc:  # prototypes not built (or built for other weights)
        raise JobError("unavailable", str(exc)) from None
    try:
        result = ager.run(loaded.rgb, opts.targets, opts.face)
    except NoFace as exc:
        raise JobError("unknown_face" if opts.face else "no_face", str(exc)) from None
    fmt = output_format(loaded.format)
    report = {"width": loaded.width, "height": loaded.height, "notes": loaded.notes, **result.report()}
    extra = {f"age_{r.target:.0f}": encode_image(r.image, fmt) for r in result.results}
    return JobOutput(encode_image(result.strip, "JPEG"), "image/jpeg", ".jpg", report, extra)


JOBS = {"analyze": run_analyze, "anonymize": run_anonymize, "age": run_age}
