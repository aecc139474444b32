"""The job backends on real Redis (db 11), real `nobody worker` processes and real models.

Covers: a job completing with its input deleted; errors reported once, not retried; TTLs deleting inputs and
results; embedded and Redis modes giving the same bytes; a worker SIGKILLed mid-job (the job still completes); a
job whose process keeps dying, and one arq gave up on, both ending as errors.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix, retry_key_prefix
from arq.jobs import deserialize_result
from service_procs import (
    REDIS_URL,
    NobodyProcess,
    alive,
    clean_redis,
    nobody_env,
    redis_client,
    unique_queue,
    wait_computing,
    wait_until,
)

from inference.jobs import JobError
from inference.queue.arq_backend import JOB_FUNCTION, ArqBackend
from inference.queue.base import JobFailed, JobState
from inference.queue.embedded import EmbeddedBackend
from inference.queue.redis_store import Keys
from models import ModelStore
from nobody.settings import Settings

TTL = 4  # seconds: short, so the expiry test can watch keys vanish
MAX_TRIES = 2
STARTUP_S = 120  # spawning job processes and loading models, on a busy 2-core machine


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(scope="module")
def t1(images_dir: Path) -> bytes:
    return (images_dir / "t1.jpg").read_bytes()


@pytest.fixture(scope="module")
def queue() -> Iterator[str]:
    name = unique_queue()
    yield name
    clean_redis(name, _SUBMITTED)


_SUBMITTED: list[str] = []


def _settings(store: ModelStore, queue: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": REDIS_URL,
        "queue_name": queue,
        "model_dir": store.cache_dir,
        "model_mirror": os.pathsep.join(map(str, store.mirrors)),
        "job_ttl": TTL,
        "max_tries": MAX_TRIES,
        "workers": 2,
        **overrides,
    }
    return Settings(**values)


def _start_worker(store: ModelStore, queue: str, log: Path, **settings: Any) -> NobodyProcess:
    values = {"redis_url": REDIS_URL, "queue_name": queue, "job_ttl": TTL, "max_tries": MAX_TRIES, **settings}
    proc = NobodyProcess(["worker"], nobody_env(store, **values), log)
    health = Keys(queue).health
    client = redis_client()
    wait_until(lambda: client.exists(health), STARTUP_S, "worker health key", proc)
    return proc


@pytest.fixture(scope="module")
def worker(store: ModelStore, queue: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NobodyProcess]:
    proc = _start_worker(store, queue, tmp_path_factory.mktemp("worker") / "worker.log", workers=2)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def backend(runner: asyncio.Runner, store: ModelStore, queue: str, worker: NobodyProcess) -> Iterator[ArqBackend]:
    """A caller on the queue that `worker` serves."""
    backend = ArqBackend(_settings(store, queue))
    yield backend
    runner.run(backend.close())


def _submit(runner: asyncio.Runner, backend: Any, kind: str, data: bytes, options: dict[str, Any]) -> str:
    job_id = runner.run(backend.submit(kind, data, options))
    _SUBMITTED.append(job_id)
    return job_id


def _arq_try(job_id: str) -> int:
    """Which try finished the job, from arq's own result record."""
    client = redis_client()
    # arq records its result just after our function returns, which is after the waiter was woken
    wait_until(lambda: client.exists(result_key_prefix + job_id), 10, "arq's result")
    return deserialize_result(client.get(result_key_prefix + job_id)).job_try


def test_job_completes_and_its_input_is_deleted(runner, backend, queue, t1) -> None:  # type: ignore[no-untyped-def]
    job_id = _submit(runner, backend, "analyze", t1, {"sheet": True})
    out = runner.run(backend.wait(job_id, 60))
    assert len(out.report["faces"]) == 6
    assert out.content_type == "image/jpeg" and out.image[:2] == b"\xff\xd8"
    assert runner.run(backend.status(job_id)).state == JobState.DONE
    client, keys = redis_client(), Keys(queue)
    assert not client.exists(keys.input(job_id)), "the upload outlived its job"
    assert 0 < client.pttl(keys.result(job_id)) <= TTL * 1000
    assert _arq_try(job_id) == 1
    assert not client.exists(job_key_prefix + job_id)  # arq dropped it with the same write as its result


def test_a_bad_upload_is_an_error_once_not_a_retry(runner, backend, t1) -> None:  # type: ignore[no-untyped-def]
    job_id = _submit(runner, backend, "analyze", b"not a photo at all", {})
    with pytest.raises(JobError) as err:
        runner.run(backend.wait(job_id, 60))
    assert err.value.code == "not_an_image"
    status = runner.run(backend.status(job_id))
    assert status.state == JobState.FAILED and "not an image" in (status.error or "")
    assert _arq_try(job_id) == 1
    with pytest.raises(JobError) as err:  # checked before anything is stored
        runner.run(backend.submit("paint", t1, {}))
    assert err.value.code == "unknown_kind"


def test_ttl_deletes_inputs_and_results(runner, backend, store, queue, t1) -> None:  # type: ignore[no-untyped-def]
    client = redis_client()
    done_id = _submit(runner, backend, "analyze", t1, {"sheet": False})
    runner.run(backend.wait(done_id, 60))
    _arq_try(done_id)  # arq's own result is written too (a moment later)
    # A job no worker ever takes (nobody listens on this queue): its upload must still go.
    idle_queue = unique_queue()
    idle = ArqBackend(_settings(store, idle_queue))
    try:
        idle_id = _submit(runner, idle, "analyze", t1, {})
        assert 0 < client.pttl(Keys(idle_queue).input(idle_id)) <= TTL * 1000
        assert client.exists(Keys(queue).result(done_id), result_key_prefix + done_id) == 2
        time.sleep(TTL + 0.5)
        assert not client.exists(Keys(idle_queue).input(idle_id), job_key_prefix + idle_id)
        assert not client.exists(Keys(queue).result(done_id), result_key_prefix + done_id)
        assert runner.run(backend.status(done_id)).state == JobState.UNKNOWN
        with pytest.raises(JobFailed, match="expired"):
            runner.run(backend.wait(done_id, 5))
        # A cancelled job (its HTTP client gave up) is dropped at once, upload included.
        dropped = _submit(runner, idle, "analyze", t1, {})
        runner.run(idle.cancel(dropped))
        assert not client.exists(Keys(idle_queue).input(dropped), job_key_prefix + dropped)
        assert runner.run(idle.queue_depth()) == 0
    finally:
        runner.run(idle.close())
        clean_redis(idle_queue, _SUBMITTED)


@pytest.fixture(scope="module")
def embedded(runner: asyncio.Runner, store: ModelStore, queue: str) -> Iterator[EmbeddedBackend]:
    # Same pool size as the worker's: each job process gets cores // workers ONNX threads, and float sums depend
    # on how the work is split between threads.
    backend = EmbeddedBackend(_settings(store, queue, redis_url="", workers=2))
    yield backend
    runner.run(backend.close())


SAME_OUTPUT_CASES = [
    ("t1.jpg", "analyze", {}),
    ("t1.jpg", "anonymize", {"mode": "pixelate", "keep": [2]}),
    ("Tom_Hanks_54745.png", "anonymize", {"seed": 7}),  # generated donor: the seed must decide everything
]


@pytest.mark.parametrize(("photo", "kind", "options"), SAME_OUTPUT_CASES, ids=["analyze", "pixelate", "replace"])
def test_embedded_and_redis_give_identical_outputs(request, runner, store, images_dir, photo, kind, options):  # type: ignore[no-untyped-def]
    if kind == "anonymize" and options.get("mode", "replace") == "replace":
        request.getfixturevalue("tiny_directions")  # the workers find them in the store's cache, as in production
    backend, embedded = request.getfixturevalue("backend"), request.getfixturevalue("embedded")
    data = (images_dir / photo).read_bytes()
    via_redis = runner.run(backend.wait(_submit(runner, backend, kind, data, options), 240))
    in_process = runner.run(embedded.wait(_submit(runner, embedded, kind, data, options), 240))
    assert via_redis.image == in_process.image
    assert via_redis.report == in_process.report
    assert via_redis.content_type == in_process.content_type


def test_embedded_retries_a_job_whose_process_died(runner, embedded, t1) -> None:  # type: ignore[no-untyped-def]
    job_id = _submit(runner, embedded, "analyze", t1, {"sheet": False})
    busy = wait_computing([p.pid for p in multiprocessing.active_children() if p.name == "nobody-job"])
    os.kill(busy, signal.SIGKILL)
    out = runner.run(embedded.wait(job_id, 120))  # run again by the other process (or the restarted one)
    assert len(out.report["faces"]) == 6
    assert runner.run(embedded.status(job_id)).state == JobState.DONE


SOLO_TIMEOUT = 20  # job timeout of the one-process workers (busy CI machines); arq's lock lasts timeout + 12 s


@pytest.fixture(scope="module")
def solo_queue() -> Iterator[str]:
    name = unique_queue()
    yield name
    clean_redis(name, _SUBMITTED)


@pytest.fixture(scope="module")
def solo_backend(runner: asyncio.Runner, store: ModelStore, solo_queue: str) -> Iterator[ArqBackend]:
    backend = ArqBackend(_settings(store, solo_queue, job_timeout=SOLO_TIMEOUT))
    yield backend
    runner.run(backend.close())


def _solo_worker(store: ModelStore, queue: str, log: Path) -> NobodyProcess:
    # One job process: whatever runs a job is that process, so killing "the job's process" is deterministic.
    return _start_worker(store, queue, log, workers=1, job_timeout=SOLO_TIMEOUT)


@pytest.fixture(scope="module")
def solo_worker(store: ModelStore, solo_queue: str, tmp_path_factory: Any) -> Iterator[NobodyProcess]:
    proc = _solo_worker(store, solo_queue, tmp_path_factory.mktemp("solo") / "worker.log")
    yield proc
    proc.stop()


def test_worker_killed_mid_job_does_not_lose_it(request, runner, store, solo_queue, solo_backend, t1, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, keys = redis_client(), Keys(solo_queue)
    first = _solo_worker(store, solo_queue, tmp_path / "first.log")
    try:
        job_id = _submit(runner, solo_backend, "analyze", t1, {"sheet": True})  # ~1-2 s of work here
        wait_until(lambda: client.exists(in_progress_key_prefix + job_id), 30, "job started", first, poll=0.01)
        first.wait_computing()  # inside the models now: ~1 s of CPU work before the job could end
        job_processes = first.job_processes()
        assert job_processes, "the worker has no job process"
        first.kill()
        wait_until(lambda: not any(alive(p) for p in job_processes), 10, "job processes die with their worker")
    finally:
        first.stop()
    assert not client.exists(keys.result(job_id)), "the job finished before the kill: make it slower"
    assert runner.run(solo_backend.status(job_id)).state == JobState.RUNNING  # arq's lock outlives the worker
    assert client.exists(keys.input(job_id)), "the upload must survive until the job really ends"

    request.getfixturevalue("solo_worker")  # another worker; it takes the job once the dead one's lock expires
    out = runner.run(solo_backend.wait(job_id, SOLO_TIMEOUT + 60))
    assert len(out.report["faces"]) == 6
    assert _arq_try(job_id) == 2
    assert not client.exists(keys.input(job_id))


def test_a_job_that_keeps_killing_its_process_ends_as_failed(runner, solo_backend, solo_worker, solo_queue, t1) -> None:  # type: ignore[no-untyped-def]
    client = redis_client()
    job_id = _submit(runner, solo_backend, "analyze", t1, {"sheet": True})
    for attempt in range(1, MAX_TRIES + 1):

        def on_try(n: int = attempt) -> bool:
            tries = int(client.get(retry_key_prefix + job_id) or 0)
            return bool(client.exists(in_progress_key_prefix + job_id)) and tries == n

        wait_until(on_try, 60, f"try {attempt} started", solo_worker, poll=0.01)
        # The worker survives; its pool replaces the process. (Should a try meet the replacement still loading
        # its models, killing it then is the same crash.)
        os.kill(solo_worker.wait_computing(), signal.SIGKILL)
    with pytest.raises(JobFailed, match="died in each of 2 tries"):
        runner.run(solo_backend.wait(job_id, 120))
    # ... and the worker goes on serving.
    out = runner.run(solo_backend.wait(_submit(runner, solo_backend, "analyze", t1, {"sheet": False}), 120))
    assert len(out.report["faces"]) == 6


def test_a_job_arq_gave_up_on_ends_as_failed(runner, backend, queue, t1) -> None:  # type: ignore[no-untyped-def]
    # What arq does after `max_tries` worker deaths, without dying that often: hand it a job already on its last
    # try (arq's own `_job_try`, meant for re-enqueueing) and let its bookkeeping refuse it.
    client, keys = redis_client(), Keys(queue)
    job_id = f"given-up-{time.monotonic_ns()}"
    _SUBMITTED.append(job_id)
    client.set(keys.input(job_id), t1, ex=TTL)
    arq = runner.run(backend._conn())
    runner.run(arq.enqueue_job(JOB_FUNCTION, "analyze", {}, _job_id=job_id, _job_try=MAX_TRIES + 1))
    with pytest.raises(JobFailed, match="max 2 retries exceeded"):
        runner.run(backend.wait(job_id, 30))
    assert runner.run(backend.status(job_id)).state == JobState.FAILED
