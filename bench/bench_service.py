"""Load test of `nobody serve` on loopback: N requests from C concurrent clients, per job kind.

    NOBODY_MODEL_MIRROR=../shared/models:../shared/images .venv/bin/python bench/bench_service.py \\
        [--requests 200] [--concurrency 50] [--workers 2] [--kinds analyze,anonymize] [--redis redis://...]

Starts `nobody serve` (and, with --redis, one `nobody worker`) as real processes, waits for /readyz, then fires the
requests. A client answered 503 waits its Retry-After and tries again, as a polite client would; those 503s are
deliberate back-pressure, counted apart from errors. Printed per kind: lost requests (no final answer: must be 0),
errors (any other non-200), 503s, p50/p95 latency of a request from first try to its answer (retries included),
and throughput (answered requests per second of wall time). Other work on the machine inflates the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

SHARED = Path(os.environ.get("NOBODY_SHARED", Path(__file__).resolve().parents[2] / "shared"))
NOBODY = Path(sys.executable).with_name("nobody")
MAX_RETRY_WAIT_S = 5.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    busy: int = 0
    lost: int = 0  # no answer at all (timed out or connection dropped)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def one_request(session: aiohttp.ClientSession, url: str, image: bytes, options: str, tally: Tally) -> None:
    started = time.monotonic()
    while True:
        form = aiohttp.FormData()
        form.add_field("image", image, filename="photo.jpg", content_type="image/jpeg")
        form.add_field("options", options)
        try:
            async with session.post(url, data=form) as response:
                await response.read()
                if response.status == 503:
                    tally.busy += 1
                    await asyncio.sleep(min(float(response.headers.get("Retry-After", 1)), MAX_RETRY_WAIT_S))
                    continue
                if response.status != 200:
                    tally.error(f"HTTP {response.status}")
                    return
        except (aiohttp.ClientError, TimeoutError):
            tally.lost += 1
            return
        tally.latencies.append(time.monotonic() - started)
        return


async def calibrate(base: str, kind: str, image: bytes, options: str, runs: int = 3) -> float:
    """Median latency of lone requests: what one job costs on this machine right now, without queueing."""
    tally = Tally()
    async with aiohttp.ClientSession() as session:
        for _ in range(runs):
            await one_request(session, f"{base}/v1/{kind}", image, options, tally)
    return statistics.median(tally.latencies) if tally.latencies else float("nan")


async def load(base: str, kind: str, image: bytes, options: str, requests: int, concurrency: int) -> None:
    tally = Tally()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            queue.get_nowait()
            await one_request(session, f"{base}/v1/{kind}", image, options, tally)

    timeout = aiohttp.ClientTimeout(total=900)
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    wall = time.monotonic() - started
    lat = sorted(tally.latencies) or [float("nan")]
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    print(
        f"{kind:10} {requests} requests, {concurrency} clients: lost {tally.lost}, "
        f"ok {len(tally.latencies)}, errors {sum(tally.errors.values())} {tally.errors or ''}, 503s {tally.busy}; "
        f"latency p50 {statistics.median(lat):.2f} s, p95 {p95:.2f} s; "
        f"throughput {len(tally.latencies) / wall:.2f} req/s over {wall:.1f} s"
    )


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(NOBODY), *args], env=env, stdout=out, stderr=subprocess.STDOUT)


async def wait_ready(base: str, procs: list[subprocess.Popen[bytes]], limit: float = 300.0) -> None:
    deadline = time.monotonic() + limit
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a nobody process exited during start-up; see its log")
            try:
                async with session.get(f"{base}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("nobody serve did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-queue", type=int, default=32)
    parser.add_argument("--kinds", default="analyze,anonymize")
    parser.add_argument("--image", type=Path, default=SHARED / "images" / "t1.jpg")
    parser.add_argument("--anonymize-options", default='{"seed": 1}', help='JSON, e.g. \'{"mode": "blur"}\'')
    parser.add_argument("--redis", default="", help="redis://… : run jobs on a `nobody worker` instead")
    args = parser.parse_args()

    port = _free_port()
    env = dict(os.environ, NOBODY_WORKERS=str(args.workers), NOBODY_MAX_QUEUE=str(args.max_queue))
    env.setdefault("NOBODY_MODEL_MIRROR", f"{SHARED / 'models'}{os.pathsep}{SHARED / 'images'}")
    if args.redis:
        env.update(NOBODY_REDIS_URL=args.redis, NOBODY_QUEUE_NAME=f"bench-{uuid.uuid4().hex[:8]}")
    logs = Path(tempfile.mkdtemp(prefix="nobody-bench-"))
    procs = [start(["serve", "--port", str(port)], env, logs / "serve.log")]
    if args.redis:
        procs.append(start(["worker"], env, logs / "worker.log"))
    base = f"http://127.0.0.1:{port}"
    mode = f"Redis ({args.redis})" if args.redis else "embedded"
    print(f"nobody serve, {mode}, {args.workers} job processes, max_queue {args.max_queue}; logs in {logs}")
    try:
        asyncio.run(wait_ready(base, procs))
        image = args.image.read_bytes()
        options = {"analyze": "{}", "anonymize": args.anonymize_options, "age": '{"targets": [30]}'}
        for kind in args.kinds.split(","):
            alone = asyncio.run(calibrate(base, kind, image, options[kind]))
            print(f"{kind:10} one request alone: {alone:.2f} s (median of 3); load avg {os.getloadavg()[0]:.1f}")
            asyncio.run(load(base, kind, image, options[kind], args.requests, args.concurrency))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
