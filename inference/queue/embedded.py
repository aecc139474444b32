"""The default backend with no Redis: jobs run in this process's own pool of job processes (`ProcessPool`).

Bounded: at most `workers` jobs run and `max_queue` more wait; one more is refused with `QueueFull`. Results are kept in
memory for `job_ttl` seconds after the job ends (so `wait` may be called late, or twice), then dropped.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from inference.jobs import JobOutput
from inference.queue.base import JobFailed, JobState, JobStatus, QueueFull
from inference.queue.pool import ProcessPool, WorkerCrashed, check_kind
from nobody.settings import Settings


@dataclass
class _Job:
    state: JobState = JobState.QUEUED
    task: asyncio.Task[JobOutput] | None = field(default=None, repr=False)


class EmbeddedBackend:
    def __init__(self, settings: Settings, pool: ProcessPool | None = None) -> None:
        self._pool = pool or ProcessPool(settings)
        self._max_queue = settings.max_queue
        self._max_tries = max(1, settings.max_tries)
        self._ttl = settings.job_ttl
        self._jobs: dict[str, _Job] = {}
        self._queued: set[str] = set()  # ids waiting for a job process (kept apart: depth is asked per submit)
        self._unfinished: set[str] = set()  # queued or running

    async def submit(self, kind: str, data: bytes, options: dict[str, Any] | None = None) -> str:
        check_kind(kind)
        # Counted against the pool's whole capacity: a job just submitted is "waiting" until its task runs, so
        # counting waiting jobs alone would refuse a burst that idle processes are about to take.
        if len(self._unfinished) >= self._pool.size + self._max_queue:
            raise QueueFull(f"{self._max_queue} jobs are already waiting")
        job_id = uuid.uuid4().hex
        job = self._jobs[job_id] = _Job()
        self._queued.add(job_id)
        self._unfinished.add(job_id)
        job.task = asyncio.create_task(self._run(job_id, kind, data, options), name=f"nobody-{kind}-{job_id}")
        job.task.add_done_callback(lambda _: self._ended(job_id, job))
        return job_id

    async def _run(self, job_id: str, kind: str, data: bytes, options: dict[str, Any] | None) -> JobOutput:
        def started() -> None:
            self._jobs[job_id].state = JobState.RUNNING
            self._queued.discard(job_id)

        for attempt in range(1, self._max_tries + 1):
            try:
                return await self._pool.run(kind, data, options, started)
            except WorkerCrashed as exc:
                if attempt == self._max_tries:
                    raise JobFailed(f"{exc} in each of {attempt} tries") from None
        raise AssertionError("unreachable")

    def _ended(self, job_id: str, job: _Job) -> None:
        assert job.task is not None
        self._queued.discard(job_id)
        self._unfinished.discard(job_id)
        failed = job.task.cancelled() or job.task.exception() is not None
        job.state = JobState.FAILED if failed else JobState.DONE
        # Drop the result (and with it the photo) after the TTL, whether or not anyone collected it.
        asyncio.get_running_loop().call_later(self._ttl, self._jobs.pop, job_id, None)

    async def wait(self, job_id: str, timeout: float) -> JobOutput:
        job = self._jobs.get(job_id)
        if job is None or job.task is None:
            raise JobFailed("no such job (unknown, or its result expired)")
        # shield: a caller giving up must not cancel the job for another caller waiting on it
        return await asyncio.wait_for(asyncio.shield(job.task), timeout)

    async def status(self, job_id: str) -> JobStatus:
        job = self._jobs.get(job_id)
        if job is None:
            return JobStatus(job_id, JobState.UNKNOWN)
        error = None
        if job.state == JobState.FAILED and job.task is not None and not job.task.cancelled():
            error = str(job.task.exception())
        return JobStatus(job_id, job.state, error)

    async def cancel(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.state == JobState.QUEUED and job.task is not None:
            job.task.cancel()  # still waiting for a process: nothing has started, nothing to undo

    async def queue_depth(self) -> int:
        return len(self._queued)

    async def ready(self) -> tuple[bool, str]:
        return self._pool.ready()

    async def close(self) -> None:
        for job in self._jobs.values():
            if job.task is not None:
                job.task.cancel()
        await self._pool.close()
        self._jobs.clear()
        self._queued.clear()
        self._unfinished.clear()
