"""The job backend for bot tests and the bot benchmark: `inference.queue.make_backend` when it exists, else a
`ThreadBackend` that runs `inference.jobs` in a thread with a real Engine (real work, one job at a time)."""

from __future__ import annotations

import asyncio
import inspect
import secrets
from typing import Any

from inference.jobs import JOBS, Engine, JobOutput
from inference.queue.base import JobBackend, JobState, JobStatus
from nobody.settings import Settings


async def job_backend(settings: Settings, engine: Engine) -> JobBackend:
    try:
        from inference.queue import make_backend  # type: ignore[attr-defined]
    except ImportError:
        return ThreadBackend(engine)
    backend = make_backend(settings)
    return await backend if inspect.isawaitable(backend) else backend


class ThreadBackend:
    """A `JobBackend` running `inference.jobs` in a thread with a real Engine: one job at a time, like a small
    embedded pool. Used when `make_backend` is not importable."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._tasks: dict[str, asyncio.Task[JobOutput]] = {}
        self._running: set[str] = set()
        self._lock = asyncio.Lock()

    async def submit(self, kind: str, data: bytes, options: dict[str, Any] | None = None) -> str:
        job_id = secrets.token_hex(8)
        self._tasks[job_id] = asyncio.create_task(self._run(job_id, kind, data, options))
        return job_id

    async def _run(self, job_id: str, kind: str, data: bytes, options: dict[str, Any] | None) -> JobOutput:
        async with self._lock:
            self._running.add(job_id)
            try:
                return await asyncio.to_thread(JOBS[kind], self.engine, data, options)
            finally:
                self._running.discard(job_id)

    async def wait(self, job_id: str, timeout: float) -> JobOutput:
        return await asyncio.wait_for(asyncio.shield(self._tasks[job_id]), timeout)

    async def status(self, job_id: str) -> JobStatus:
        task = self._tasks.get(job_id)
        if task is None:
            return JobStatus(job_id, JobState.UNKNOWN)
        if task.done():
            return JobStatus(job_id, JobState.FAILED if task.exception() else JobState.DONE)
        return JobStatus(job_id, JobState.RUNNING if job_id in self._running else JobState.QUEUED)

    async def queue_depth(self) -> int:
        return sum(1 for k, t in self._tasks.items() if not t.done() and k not in self._running)

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
