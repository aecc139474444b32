"""A fixed set of job processes, each holding its own `Engine`, that run jobs one at a time each.

Why processes and not threads: measured on this 2-core machine (16 × `run_analyze` on t1.jpg), one thread ran
1.14 jobs/s and two threads sharing one Engine 1.16 jobs/s: the pipeline's numpy/dlib/Pillow glue holds the GIL
long enough that a second thread buys nothing. Two processes with one ONNX thread each ran 1.74 jobs/s. Processes
also give what threads cannot: a job past its timeout is really stopped (its process is killed and replaced), and a
crash in native code on a hostile image takes down one job process, not the service.

The pool is used from asyncio: `run` waits for an idle process, then blocks a helper thread (not the event loop) on
the process's pipe. Processes are spawned, not forked, so they never inherit the caller's threads or sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from inference.image_io import ImageError
from inference.jobs import JOBS, Engine, JobError, JobOutput
from inference.queue.base import JobFailed
from nobody.settings import Settings

log = logging.getLogger(__name__)

LOAD_LIMIT_S = 600.0  # a process that has not loaded its models by then is treated as crashed
Reply = tuple[Any, ...]  # ("ok", JobOutput) | ("error", code, message) | ("failed", message)


class WorkerCrashed(JobFailed):
    """The job's process died mid-job (killed, out of memory, native crash); running the job again may work."""


def check_kind(kind: str) -> None:
    if kind not in JOBS:
        raise JobError("unknown_kind", f"unknown job {kind!r}; one of {', '.join(JOBS)}")


# --- inside a job process ---------------------------------------------------------------------------------------


def _serve(conn: Connection, settings: Settings, threads: int) -> None:
    """A job process: load every model, say so, then run jobs from the pipe until it closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent decides
    os.environ.setdefault("NOBODY_ORT_THREADS", str(threads))  # N processes × all cores would oversubscribe
    engine = Engine(settings)
    conn.send(("ready", _warm(engine)))
    while True:
        try:
            kind, data, options = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_execute(engine, kind, data, options))


def _warm(engine: Engine) -> str | None:
    try:
        engine.warm()
    except Exception as exc:  # keep serving: jobs that need other models still work, /readyz says what is wrong
        log.warning("models not loaded: %s", exc)
        return f"{type(exc).__name__}: {exc}"
    return None


def _execute(engine: Engine, kind: str, data: bytes, options: dict[str, Any] | None) -> Reply:
    try:
        return ("ok", JOBS[kind](engine, data, options))
    except (JobError, ImageError) as exc:  # the request's fault: a stable code for the caller
        return ("error", exc.code, exc.message)
    except Exception as exc:  # a bug or a model failure: logged here (no image bytes), reported without details
        log.exception("%s job failed", kind)
        return ("failed", f"the {kind} job failed ({type(exc).__name__})")


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies, so a killed worker leaves no orphans behind."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


# --- in the caller ----------------------------------------------------------------------------------------------


class _Process:
    """One job process and the parent's end of its pipe; `restart` swaps in a fresh process under the same object.
    Used by one thread at a time (the pool sees to it)."""

    def __init__(self, settings: Settings, threads: int) -> None:
        self._args = (settings, threads)
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, *self._args), name="nobody-job", daemon=True)
        self.process.start()
        child.close()
        self.spawned = time.monotonic()
        self.loaded = False
        self.load_error: str | None = None
        self.load_s: float | None = None  # how long spawning and loading the models took

    def restart(self) -> None:
        old = self.process.pid
        self.stop()
        self._start()
        log.warning("job process %s replaced by %s", old, self.process.pid)

    def poll_loaded(self) -> bool:
        """Non-blocking: has the process reported its models loaded? Only call while no job uses it."""
        if not self.process.is_alive():  # died while idle or loading (OOM killer, an operator): start afresh
            self.restart()
        try:
            if not self.loaded and self.conn.poll(0):
                self._take_ready()
        except (EOFError, OSError):  # died just now: restarted on the next look
            return False
        return self.loaded

    def call(self, job: tuple[str, bytes, dict[str, Any] | None], timeout: float) -> Reply:
        if not self.loaded:
            if not self.conn.poll(LOAD_LIMIT_S):
                raise TimeoutError("models did not load")
            self._take_ready()
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise TimeoutError
        return self.conn.recv()

    def _take_ready(self) -> None:
        _, self.load_error = self.conn.recv()
        self.loaded = True
        self.load_s = time.monotonic() - self.spawned

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessPool:
    def __init__(self, settings: Settings, size: int | None = None) -> None:
        self.size = max(1, size or settings.workers)
        self.timeout = settings.job_timeout
        threads_each = max(1, len(os.sched_getaffinity(0)) // self.size)
        self._procs = [_Process(settings, threads_each) for _ in range(self.size)]
        self._idle: asyncio.Queue[_Process] = asyncio.Queue()
        for proc in self._procs:
            self._idle.put_nowait(proc)
        self._busy: set[_Process] = set()
        self._callers = ThreadPoolExecutor(self.size, thread_name_prefix="nobody-pool")
        self._closed = False

    async def run(
        self,
        kind: str,
        data: bytes,
        options: dict[str, Any] | None,
        started: Callable[[], None] | None = None,
    ) -> JobOutput:
        """Run one job in the next idle process. Raises JobError (bad request), WorkerCrashed or JobFailed."""
        check_kind(kind)
        proc = await self._idle.get()
        self._busy.add(proc)
        if started:
            started()
        call = asyncio.get_running_loop().run_in_executor(self._callers, self._call, proc, (kind, data, options))
        try:
            reply = await asyncio.shield(call)
        except asyncio.CancelledError:
            # The process is still busy with this job: give it back only once it has answered.
            call.add_done_callback(lambda _: self._give_back(proc))
            raise
        self._give_back(proc)
        return _unpack(reply)

    def _call(self, proc: _Process, job: tuple[str, bytes, dict[str, Any] | None]) -> Reply:
        """In a helper thread: run the job; after a timeout or a death, the process is restarted."""
        if not proc.process.is_alive():  # died while idle (OOM killer, an operator): a fresh one takes the job
            proc.restart()
        started = time.monotonic()
        try:
            return proc.call(job, self.timeout)
        except TimeoutError:
            reply: Reply = ("failed", f"the {job[0]} job timed out after {time.monotonic() - started:.0f} s")
        except Exception:  # it died (EOF, broken pipe), or its pipe is in an unknown state: never reuse it
            reply = ("crashed", f"the {job[0]} job's process died")
        if not self._closed:
            proc.restart()
        return reply

    def _give_back(self, proc: _Process) -> None:
        self._busy.discard(proc)
        if not self._closed:
            self._idle.put_nowait(proc)

    def ready(self) -> tuple[bool, str]:
        """Have all processes loaded their models? Busy ones are not asked: their pipe belongs to the job's thread."""
        loading = sum(not p.poll_loaded() for p in self._procs if p not in self._busy)
        errors = {p.load_error for p in self._procs if p.loaded and p.load_error}
        if errors:
            return False, "; ".join(sorted(errors))
        return (False, f"{loading} job process(es) loading models") if loading else (True, "ok")

    @property
    def load_seconds(self) -> float:
        """How long a job process takes to start, as measured so far (for scheduling a retry after a crash)."""
        return max((p.load_s for p in self._procs if p.load_s is not None), default=10.0)

    async def wait_loaded(self, poll: float = 0.2) -> tuple[bool, str]:
        """Wait until every process has loaded (or failed to load) its models."""
        while True:
            ok, reason = self.ready()
            if ok or all(p.loaded for p in self._procs):
                return ok, reason
            await asyncio.sleep(poll)

    async def close(self) -> None:
        self._closed = True
        for proc in self._procs:
            proc.stop()
        self._callers.shutdown(wait=False, cancel_futures=True)


def _unpack(reply: Reply) -> JobOutput:
    match reply:
        case ("ok", output):
            return output
        case ("error", code, message):
            raise JobError(code, message)
        case ("crashed", message):
            raise WorkerCrashed(message)
        case (_, message):
            raise JobFailed(message)
    raise JobFailed("the job process answered nonsense")
