"""The contract between callers (HTTP service, bot) and whatever runs the jobs.

`submit` stores the input and returns an id at once; `wait` returns the finished `JobOutput` or raises
`JobError` (the job's own error, e.g. a bad image) / `JobFailed` (it crashed or kept failing) / `TimeoutError`.
`submit` raises `JobError("unknown_kind")` for a job that does not exist and `QueueFull` when too many wait.
`make_backend(settings)` in `inference.queue` picks the implementation (embedded, or arq when NOBODY_REDIS_URL is set).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from inference.jobs import JobOutput


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"  # never existed, or expired after its TTL


class QueueFull(RuntimeError):
    """Too many jobs waiting: callers answer 503 + Retry-After (HTTP) or ask the user to try again (bot)."""


class JobFailed(RuntimeError):
    """The job crashed or kept failing after its retries; the message is safe to show."""


@dataclass(frozen=True)
class JobStatus:
    id: str
    state: JobState
    error: str | None = None


class JobBackend(Protocol):
    async def submit(self, kind: str, data: bytes, options: dict[str, Any] | None = None) -> str: ...

    async def wait(self, job_id: str, timeout: float) -> JobOutput: ...

    async def status(self, job_id: str) -> JobStatus: ...

    async def cancel(self, job_id: str) -> None: ...  # best effort: a job still queued never runs; a running one ends

    async def queue_depth(self) -> int: ...  # jobs waiting for a job process (not those running)

    async def ready(self) -> tuple[bool, str]: ...  # models loaded / Redis and a worker reachable; reason if not

    async def close(self) -> None: ...
