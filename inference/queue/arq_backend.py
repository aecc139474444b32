"""The Redis backend (NOBODY_REDIS_URL set): jobs are arq jobs, run by `nobody worker` processes anywhere.

`submit` stores the input under its own key with a TTL and enqueues an arq job carrying only the kind and the
options (see redis_store). `wait` wakes on the worker's pub/sub message and also polls once a second, because
arq itself writes the failures that never reach our code (a job that killed its worker `max_tries` times, or one
whose arq key expired before any worker took it) to its own result key, without telling anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import DeserializationError, deserialize_result

from inference.jobs import JobOutput
from inference.queue.base import JobFailed, JobState, JobStatus, QueueFull
from inference.queue.pool import check_kind
from inference.queue.redis_store import Keys, decode
from nobody.settings import Settings

log = logging.getLogger(__name__)

JOB_FUNCTION = "nobody_job"  # the one arq function (inference.queue.worker) that runs every kind of job
POLL_S = 1.0


class ArqBackend:
    def __init__(self, settings: Settings) -> None:
        self._redis_settings = RedisSettings.from_dsn(settings.redis_url)
        self._keys = Keys(settings.queue_name)
        self._max_queue = settings.max_queue
        self._ttl = settings.job_ttl
        self._redis: ArqRedis | None = None
        self._connecting = asyncio.Lock()
        self._waiters: dict[str, asyncio.Event] = {}
        self._listener: asyncio.Task[None] | None = None

    async def _conn(self) -> ArqRedis:
        async with self._connecting:
            if self._redis is None:
                self._redis = await create_pool(self._redis_settings, default_queue_name=self._keys.queue, retry=0)
            return self._redis

    async def submit(self, kind: str, data: bytes, options: dict[str, Any] | None = None) -> str:
        check_kind(kind)
        if await self.queue_depth() >= self._max_queue:  # a soft bound: two racing submits may both pass
            raise QueueFull(f"{self._max_queue} jobs are already waiting")
        redis = await self._conn()
        job_id = uuid.uuid4().hex
        await redis.set(self._keys.input(job_id), data, ex=self._ttl)
        # _expires: arq would otherwise keep a never-started job a day; ours cannot outlive its input anyway.
        await redis.enqueue_job(JOB_FUNCTION, kind, options or {}, _job_id=job_id, _expires=self._ttl)
        return job_id

    async def wait(self, job_id: str, timeout: float) -> JobOutput:
        deadline = time.monotonic() + timeout
        event = self._waiters.setdefault(job_id, asyncio.Event())
        self._ensure_listener()
        try:
            while True:
                event.clear()  # before looking, so a message arriving after the look still wakes us
                output = await self._finished(job_id)
                if output is not None:
                    return output
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"job {job_id} not finished after {timeout:.0f} s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(POLL_S, remaining))
        finally:
            self._waiters.pop(job_id, None)

    async def _finished(self, job_id: str) -> JobOutput | None:
        """The result if the job ended; raises its error; None while it is still queued or running."""
        redis = await self._conn()
        # One transaction: the worker stores our result and arq then writes its own and drops the job key; read
        # piecemeal, a finished job could look like "arq says done but our result is gone".
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._keys.result(job_id))
            pipe.get(result_key_prefix + job_id)
            # arq's job key may expire while the job runs (its `_expires` counts from enqueueing): the lock counts too
            pipe.exists(job_key_prefix + job_id, in_progress_key_prefix + job_id)
            fields, arq_result, job_exists = await pipe.execute()
        if fields:
            return decode(fields)
        if arq_result is not None:
            raise JobFailed(_arq_failure(arq_result))
        if not job_exists:
            raise JobFailed("no such job (unknown, or its result expired)")
        return None

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="nobody-arq-done")

    async def _listen(self) -> None:
        """Wake waiters when workers announce finished jobs; on a Redis hiccup, waiters fall back to polling."""
        while True:
            try:
                redis = await self._conn()
                async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._keys.done_channel)
                    async for message in pubsub.listen():
                        event = self._waiters.get(message["data"].decode())
                        if event is not None:
                            event.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("job listener: %s; retrying", exc)
                await asyncio.sleep(POLL_S)

    async def status(self, job_id: str) -> JobStatus:
        redis = await self._conn()
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self._keys.result(job_id), ["state", "message"])
            pipe.get(result_key_prefix + job_id)
            pipe.exists(in_progress_key_prefix + job_id)
            pipe.exists(job_key_prefix + job_id)
            (state, message), arq_result, running, queued = await pipe.execute()
        if state is not None:
            done = state == b"done"
            return JobStatus(job_id, JobState.DONE if done else JobState.FAILED, None if done else message.decode())
        if arq_result is not None:
            return JobStatus(job_id, JobState.FAILED, _arq_failure(arq_result))
        if running:
            return JobStatus(job_id, JobState.RUNNING)
        return JobStatus(job_id, JobState.QUEUED if queued else JobState.UNKNOWN)

    async def cancel(self, job_id: str) -> None:
        """Drop a job no worker has taken: out of the queue, its upload deleted. A worker taking it at this very
        moment finds the upload gone and ends it as expired; a running job is left to finish."""
        redis = await self._conn()
        if await redis.exists(in_progress_key_prefix + job_id):
            return
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._keys.queue, job_id)
            pipe.delete(job_key_prefix + job_id, self._keys.input(job_id))
            await pipe.execute()

    async def queue_depth(self) -> int:
        """Jobs waiting for a worker. arq's queue also holds running jobs (they have an in-progress key) and expired
        ones (no job key; arq drops them when a worker next looks): neither is waiting."""
        redis = await self._conn()
        ids = [job_id.decode() for job_id in await redis.zrange(self._keys.queue, 0, -1)]
        if not ids:
            return 0
        async with redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.exists(job_key_prefix + job_id)
                pipe.exists(in_progress_key_prefix + job_id)
            flags = await pipe.execute()
        return sum(1 for alive, running in zip(flags[::2], flags[1::2], strict=True) if alive and not running)

    async def ready(self) -> tuple[bool, str]:
        try:
            redis = await self._conn()
            await redis.ping()
            ttl_ms = await redis.pttl(self._keys.health)
        except Exception as exc:  # any Redis failure means "not ready", with the reason
            return False, f"redis: {exc}"
        if ttl_ms < 0:
            return False, "no worker has reported (is `nobody worker` running?)"
        return True, "ok"

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def _arq_failure(raw: bytes) -> str:
    """arq's own result for a job that never finished in our code: a readable reason, never silence."""
    try:
        result = deserialize_result(raw)
    except DeserializationError:
        return "the job failed"
    if result.success:  # our function ran and returned, but its result key is gone (expired): say so
        return "the job's result expired"
    reason = result.result
    if isinstance(reason, asyncio.TimeoutError):
        return "the job timed out"
    return f"the job failed: {reason or type(reason).__name__}"
