"""`nobody serve` as a real process on loopback: results, JSON errors with the right status, 503 + Retry-After when
the queue is full, health/readiness/metrics/OpenAPI, the Redis mode end to end, and the Docker entry commands."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image
from service_procs import (
    REDIS_URL,
    NobodyProcess,
    clean_redis,
    free_port,
    http_ready,
    nobody_env,
    redis_client,
    unique_queue,
    wait_until,
)

from inference.queue.redis_store import Keys
from models import ModelStore
from nobody.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 1_000_000  # t1.jpg (129 kB) fits, the Solvay scan (2.7 MB) does not
MAX_PIXELS = 3_000_000  # t1.jpg (1.1 MP) fits, a 2000 x 2000 PNG does not
STARTUP_S = 120


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


async def _post(base: str, kind: str, parts: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in parts.items():
        if name == "image":
            form.add_field("image", value, filename="photo.jpg", content_type="application/octet-stream")
        else:
            form.add_field(name, value if isinstance(value, str) else json.dumps(value))
    async with aiohttp.ClientSession() as session, session.post(f"{base}/v1/{kind}", data=form, headers=headers) as r:
        return Reply(r.status, dict(r.headers), await r.read())


def post(base: str, kind: str, parts: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    return asyncio.run(_post(base, kind, parts, headers))


def get(base: str, path: str) -> Reply:
    async def fetch() -> Reply:
        async with aiohttp.ClientSession() as session, session.get(f"{base}{path}") as r:
            return Reply(r.status, dict(r.headers), await r.read())

    return asyncio.run(fetch())


def _serve(store: ModelStore, log: Path, **settings: Any) -> tuple[NobodyProcess, str]:
    port = free_port()
    proc = NobodyProcess(["serve", "--port", str(port)], nobody_env(store, **settings), log)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ready(base), STARTUP_S, "serve ready", proc, poll=0.5)
    return proc, base


@pytest.fixture(scope="module")
def server(store: ModelStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    # One job process and a one-place queue: three concurrent requests are enough to fill it.
    proc, base = _serve(store, log, workers=1, max_queue=1, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    yield base
    proc.stop()


@pytest.fixture(scope="module")
def t1(images_dir: Path) -> bytes:
    return (images_dir / "t1.jpg").read_bytes()


def test_analyze_answers_the_image_or_json(server: str, t1: bytes) -> None:
    image = post(server, "analyze", {"image": t1})
    assert image.status == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.body)).format == "JPEG"
    assert image.headers["X-Nobody-Job"]

    as_json = post(server, "analyze", {"image": t1}, headers={"Accept": "application/json"})
    payload = as_json.json()
    assert as_json.status == 200 and len(payload["report"]["faces"]) == 6
    assert base64.b64decode(payload["image"]["base64"]) == image.body  # same job, same bytes

    report_only = post(server, "analyze", {"image": t1, "options": {"sheet": False}})
    assert report_only.headers["Content-Type"].startswith("application/json")
    assert "image" not in report_only.json()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(out, "PNG")
    return out.getvalue()


BAD_REQUESTS = [  # (case, job, form parts, status, error code); "T1"/"SOLVAY" stand for those photos
    ("not_an_image", "analyze", {"image": b"%PDF-1.4 not a photo"}, 400, "not_an_image"),
    ("bad_json", "analyze", {"image": "T1", "options": "{sheet: yes"}, 400, "bad_options"),
    ("options_not_object", "analyze", {"image": "T1", "options": [1, 2]}, 400, "bad_options"),
    ("unknown_option", "analyze", {"image": "T1", "options": {"bogus": 1}}, 400, "bad_options"),
    ("wrong_value", "anonymize", {"image": "T1", "options": {"mode": "paint"}}, 400, "bad_options"),
    ("no_image_part", "analyze", {"options": {}}, 400, "missing_image"),
    ("too_many_bytes", "analyze", {"image": "SOLVAY"}, 413, "too_large_bytes"),
    ("too_many_pixels", "analyze", {"image": _png(2000, 2000)}, 413, "too_many_pixels"),
    ("unknown_face", "anonymize", {"image": "T1", "options": {"keep": [9]}}, 422, "unknown_face"),
]


@pytest.mark.parametrize(("case", "kind", "parts", "status", "code"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
def test_bad_requests_are_json_errors(server, t1, images_dir, case, kind, parts, status, code) -> None:  # type: ignore[no-untyped-def]
    photos = {"T1": t1, "SOLVAY": (images_dir / "solvay_conference_1927.jpg").read_bytes()}
    parts = {k: photos.get(v, v) if k == "image" and isinstance(v, str) else v for k, v in parts.items()}
    reply = post(server, kind, parts)
    assert reply.status == status, reply.body[:300]
    error = reply.json()["error"]
    assert error["code"] == code and error["message"]


def test_non_multipart_and_unknown_routes_are_json_errors(server: str) -> None:
    async def raw() -> tuple[int, Any, int, Any]:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{server}/v1/analyze", data=b"\xff\xd8raw") as r:
                first = (r.status, await r.json())
            async with session.get(f"{server}/v2/nothing") as r:
                return (*first, r.status, await r.json())

    status, body, missing_status, missing = asyncio.run(raw())
    assert status == 400 and body["error"]["code"] == "bad_request"
    assert missing_status == 404 and missing["error"]["code"] == "not_found"


def test_service_stays_up_after_bad_requests(server: str, t1: bytes) -> None:
    for _ in range(3):
        assert post(server, "analyze", {"image": b"\x89PNG\r\n\x1a\n broken"}).status == 400
    assert get(server, "/healthz").status == 200
    assert post(server, "analyze", {"image": t1, "options": {"sheet": False}}).status == 200


def test_a_full_queue_answers_503_with_retry_after(server: str, t1: bytes) -> None:
    async def burst() -> list[Reply]:
        jobs = [_post(server, "analyze", {"image": t1}) for _ in range(6)]  # 1 runs, 1 waits, the rest are refused
        return await asyncio.gather(*jobs)

    replies = asyncio.run(burst())
    statuses = sorted(r.status for r in replies)
    assert set(statuses) == {200, 503} and statuses.count(200) >= 2, statuses
    for reply in replies:
        if reply.status == 503:
            assert int(reply.headers["Retry-After"]) >= 1
            assert reply.json()["error"]["code"] == "queue_full"
    metrics = get(server, "/metrics").body.decode()
    assert re.search(r'nobody_jobs_total\{kind="analyze",outcome="busy"\} [1-9]', metrics)
    assert re.search(r"^nobody_queue_depth 0\.0$", metrics, re.M)


def test_health_metrics_and_openapi(server: str) -> None:
    assert get(server, "/healthz").json() == {"status": "ok"}
    assert get(server, "/readyz").json() == {"ready": True, "reason": "ok"}
    metrics = get(server, "/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain")
    for name in ("nobody_jobs_total", "nobody_job_errors_total", "nobody_job_seconds_bucket", "nobody_queue_depth"):
        assert name in metrics.body.decode()
    spec = get(server, "/openapi.yaml").body.decode()
    documented = set(re.findall(r"^  (/[\w./]+):$", spec, re.M))
    assert documented == {"/v1/analyze", "/v1/anonymize", "/v1/age", "/healthz", "/readyz", "/metrics", "/openapi.yaml"}


def test_serve_over_redis_and_readiness_follows_the_worker(store: ModelStore, t1: bytes, tmp_path: Path) -> None:
    queue = unique_queue()
    common = {"redis_url": REDIS_URL, "queue_name": queue, "job_ttl": 60}
    worker = NobodyProcess(["worker"], nobody_env(store, workers=1, **common), tmp_path / "worker.log")
    serve = None
    try:
        serve, base = _serve(store, tmp_path / "serve.log", **common)  # ready only once the worker reports
        reply = post(base, "analyze", {"image": t1}, headers={"Accept": "application/json"})
        assert reply.status == 200 and len(reply.json()["report"]["faces"]) == 6
        assert not list(redis_client().scan_iter(Keys(queue).input("*")))
        worker.stop()
        wait_until(lambda: get(base, "/readyz").status == 503, 15, "readyz notices the worker is gone")
        assert "worker" in get(base, "/readyz").json()["reason"]
    finally:
        worker.stop()
        if serve is not None:
            serve.stop()
        clean_redis(queue)


def _entry_commands() -> list[list[str]]:
    """The commands the Dockerfile (CMD/ENTRYPOINT) and docker-compose.yml (command:, healthcheck test:) run."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    found = [json.loads(m) for m in re.findall(r"^(?:CMD|ENTRYPOINT)\s+(\[.*\])\s*$", dockerfile, re.M)]
    found += [json.loads(m) for m in re.findall(r"^\s+command:\s+(\[.*\])\s*$", compose, re.M)]
    found += [json.loads(m)[1:] for m in re.findall(r"^\s+test:\s+(\[\"CMD\".*\])\s*$", compose, re.M)]
    return found


def test_docker_entry_commands_are_nobody_sub_commands() -> None:
    commands = [c for c in _entry_commands() if c[0] == "nobody"]
    assert {"serve", "worker", "bot", "models"} <= {c[1] for c in commands}, commands
    parser = build_parser()
    for command in commands:
        try:
            parser.parse_args(command[1:])  # builds the namespace only; runs nothing
        except SystemExit:
            pytest.fail(f"`{' '.join(command)}` is not a valid nobody command")
