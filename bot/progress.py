"""Run one job through the `JobBackend`, reporting its progress (queued with n ahead → running) as it goes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from inference.jobs import JobOutput
from inference.queue.base import JobBackend, JobState

OnProgress = Callable[[JobState, int], Awaitable[None]]  # state, jobs waiting in the queue


async def run_job(
    backend: JobBackend,
    kind: str,
    data: bytes,
    options: dict[str, Any] | None,
    *,
    timeout: float,
    on_progress: OnProgress,
    poll: float = 1.0,
) -> JobOutput:
    """Submit and wait; `on_progress` is called whenever the state or the queue position changes.
    Raises what the backend raises (QueueFull, JobError, JobFailed, TimeoutError)."""
    job_id = await backend.submit(kind, data, options)
    waiter = asyncio.create_task(backend.wait(job_id, timeout))
    last: tuple[JobState, int] | None = None
    try:
        while True:
            done, _ = await asyncio.wait({waiter}, timeout=poll)
            if done:
                return waiter.result()
            status = await backend.status(job_id)
            ahead = await backend.queue_depth() if status.state == JobState.QUEUED else 0
            current = (status.state, ahead)
            if current != last:
                last = current
                await on_progress(status.state, ahead)
    finally:
        if not waiter.done():
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await waiter
