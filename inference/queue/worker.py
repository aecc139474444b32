"""`nobody worker`: an arq worker that runs jobs from Redis in its own `ProcessPool` (one Engine per process).

What arq guarantees, read from arq 0.28's worker.py and checked by tests/test_queue.py:
- A job stays in the queue (a sorted set) until it finishes; while it runs, an `arq:in-progress:<id>` key with a
  TTL of (job timeout + 10 s) keeps other workers off it. A worker killed with SIGKILL never deletes that key, so
  once it expires any worker picks the job again: at-least-once, with a delay of up to job timeout + 10 s.
- Each pick counts a try (`arq:retry:<id>`); past `max_tries` arq ends the job itself with a failed result of its
  own (JobExecutionFailed), which ArqBackend.wait reports as JobFailed: a poison job ends, loudly.
- SIGTERM/SIGINT cancel running jobs, which arq re-queues at once (a cancelled job is retried, not failed).
So the job function is idempotent: a result already stored means a previous try finished, and nothing is redone.
And arq's job key (and our upload) only have `job_ttl` to be picked up: each try extends both past its own lock,
or a job whose worker died would find them expired when the lock lets another worker in.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from arq import Retry
from arq.connections import RedisSettings
from arq.constants import job_key_prefix
from arq.worker import Worker, async_check_health, func

from inference.jobs import JobError
from inference.queue.arq_backend import JOB_FUNCTION
from inference.queue.base import JobFailed
from inference.queue.pool import ProcessPool, WorkerCrashed
from inference.queue.redis_store import Keys, encode_error, encode_output, store_result
from nobody.settings import Settings

log = logging.getLogger(__name__)

HEALTH_INTERVAL_S = 5  # the health key lives this + 1 s: /readyz notices a dead worker that soon
POLL_S = 0.05  # arq's default 0.5 s would add ~250 ms to every job's latency
ARQ_MARGIN_S = 2.0  # arq's own timeout sits above the pool's, so the pool's (which kills the process) fires first


async def nobody_job(ctx: dict[str, Any], kind: str, options: dict[str, Any]) -> str:
    """Run one job; store its result or error; return the state (arq keeps it, small, as its own result)."""
    redis, keys, settings = ctx["redis"], ctx["keys"], ctx["settings"]
    job_id: str = ctx["job_id"]
    if await redis.exists(keys.result(job_id)):
        return "done earlier"  # a retry after a try that stored its result but died before arq heard of it
    async with redis.pipeline(transaction=True) as pipe:
        # The caller gave the upload and arq's job key `job_ttl` to be picked up. Now picked, both must outlive this
        # try's lock, so that if this worker dies another one still finds them when the lock expires.
        keep_ms = int((ctx["lock_s"] + settings.job_ttl) * 1000)
        pipe.pexpire(job_key_prefix + job_id, keep_ms)
        pipe.pexpire(keys.input(job_id), keep_ms)
        pipe.get(keys.input(job_id))
        *_, data = await pipe.execute()
    if data is None:
        fields = encode_error("expired", "the upload expired before a worker was free; please send it again")
    else:
        fields = await _run(ctx, kind, data, options)
    await store_result(redis, keys, job_id, fields, settings.job_ttl)
    return fields["state"].decode()


async def _run(ctx: dict[str, Any], kind: str, data: bytes, options: dict[str, Any]) -> dict[str, bytes]:
    pool: ProcessPool = ctx["pool"]
    try:
        return encode_output(await pool.run(kind, data, options))
    except JobError as exc:
        return encode_error(exc.code, exc.message)
    except WorkerCrashed as exc:
        if ctx["job_try"] < ctx["settings"].max_tries:
            # Maybe the machine, maybe the photo: max_tries decides. Retried once the replacement process should
            # have loaded its models, or the next try would spend its time limit waiting for them.
            raise Retry(defer=pool.load_seconds + 1) from exc
        return encode_error("failed", f"{exc} in each of {ctx['job_try']} tries")
    except JobFailed as exc:
        return encode_error("failed", str(exc))


def make_worker(settings: Settings, *, burst: bool = False) -> Worker:
    keys = Keys(settings.queue_name)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["pool"] = pool = ProcessPool(settings)
        ok, reason = await pool.wait_loaded()  # take no job before the models are in memory
        log.info("worker ready: %d job processes, %s", pool.size, reason if not ok else "models loaded")

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "pool" in ctx:
            await ctx["pool"].close()

    worker = Worker(
        functions=[func(nobody_job, name=JOB_FUNCTION, timeout=settings.job_timeout + ARQ_MARGIN_S)],
        queue_name=keys.queue,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        ctx={"keys": keys, "settings": settings},
        max_jobs=max(1, settings.workers),  # no more jobs than processes: the rest stay free for other workers
        max_tries=max(1, settings.max_tries),
        keep_result=settings.job_ttl,  # arq's own result: how its failures (max tries, expired) reach the caller
        poll_delay=POLL_S,
        health_check_interval=HEALTH_INTERVAL_S,
        burst=burst,
    )
    worker.ctx["lock_s"] = worker.in_progress_timeout_s  # arq's in-progress lock: job timeout + its own margin
    return worker


def run(settings: Settings) -> int:
    if not settings.redis_url:
        print("nobody worker: set NOBODY_REDIS_URL (without it, `nobody serve` runs jobs itself)", file=sys.stderr)
        return 2
    make_worker(settings).run()
    return 0


def check(settings: Settings) -> int:
    """Exit status for a container health check: 0 if a worker on this queue reported recently."""
    keys = Keys(settings.queue_name)
    return asyncio.run(async_check_health(RedisSettings.from_dsn(settings.redis_url), keys.health, keys.queue))
