"""Real `nobody serve` / `nobody worker` processes and a dedicated Redis db for the queue and service tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import redis

from models import ModelStore

REDIS_DB = 11  # tests only; every key they make has a TTL or is deleted by `clean_redis`
REDIS_URL = os.environ.get("NOBODY_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{REDIS_DB}")
NOBODY = Path(sys.executable).with_name("nobody")


def unique_queue() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def nobody_env(store: ModelStore, **settings: object) -> dict[str, str]:
    """The environment for a `nobody` subprocess: the test model store, then NOBODY_<NAME> for each setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOBODY_")}
    env["NOBODY_MODEL_MIRROR"] = os.pathsep.join(str(m) for m in store.mirrors)
    env["NOBODY_MODEL_DIR"] = str(store.cache_dir)
    env.update({f"NOBODY_{name.upper()}": str(value) for name, value in settings.items()})
    return env


class NobodyProcess:
    """`nobody ARGS` in its own process group, output to a log file read back on failure."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [str(NOBODY), "-v", *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True, check=False)
        return [int(p) for p in found.stdout.split()]

    def job_processes(self) -> list[int]:
        """Its pool's job processes (spawned children), not multiprocessing's resource tracker."""
        return [pid for pid in self.children() if b"spawn_main" in _cmdline(pid)]

    def wait_computing(self, timeout: float = 60.0) -> int:
        """Wait until one of its job processes uses the CPU (a job is inside the models); returns its pid."""
        return wait_computing(self.job_processes(), timeout)

    def kill(self) -> None:
        """SIGKILL this process only (its job processes must then die on their own)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):  # anything left in its group (only ours: own session)
            os.killpg(self.pid, signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def wait_computing(pids: list[int], timeout: float = 60.0) -> int:
    """Wait until one of these processes uses the CPU; returns its pid."""
    before = {pid: _cpu_ticks(pid) for pid in pids}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, ticks in before.items():
            if _cpu_ticks(pid) >= ticks + 2:  # 2 clock ticks (20 ms) of work since we started looking
                return pid
        time.sleep(0.01)
    raise AssertionError(f"no job process started computing within {timeout:.0f} s")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes (the reaper may not have run yet).
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, timeout: float, what: str, proc: NobodyProcess | None = None, poll: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.popen.poll() is not None:
            raise AssertionError(f"{what}: process exited {proc.popen.returncode}\n{proc.tail()}")
        time.sleep(poll)
    raise AssertionError(f"{what}: not within {timeout:.0f} s" + (f"\n{proc.tail()}" if proc else ""))


def http_ready(base: str) -> bool:
    async def get() -> int:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
            return response.status

    try:
        return asyncio.run(get()) == 200
    except aiohttp.ClientError:
        return False


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL)


def clean_redis(queue: str, job_ids: list[str] | tuple[str, ...] = ()) -> None:
    """Delete what one test's queue left: our keys by prefix, arq's by job id (other tests share the db)."""
    client = redis_client()
    keys = list(client.scan_iter(f"{queue}*"))
    for job_id in job_ids:
        keys += [f"arq:{part}:{job_id}" for part in ("job", "result", "retry", "in-progress")]
    if keys:
        client.delete(*keys)
    client.close()


@contextlib.contextmanager
def running(proc: NobodyProcess) -> Iterator[NobodyProcess]:
    try:
        yield proc
    finally:
        proc.stop()
