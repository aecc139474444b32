"""The aiohttp application: job endpoints, health, readiness, metrics and the OpenAPI document.

The event loop only moves bytes: jobs run in the backend's processes (embedded) or on workers (Redis), and the
base64/JSON encoding of a result runs in a thread. Nothing here logs or keeps photo bytes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import math
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from inference.image_io import ImageError
from inference.jobs import JobError, JobOutput
from inference.queue.base import JobBackend, JobFailed, QueueFull
from inference.service.metrics import ServiceMetrics
from inference.service.upload import ApiError, read_upload
from nobody.settings import Settings

log = logging.getLogger(__name__)

OPENAPI = Path(__file__).with_name("openapi.yaml")
BACKEND = web.AppKey("backend", JobBackend)
SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", ServiceMetrics)

# HTTP status by error code; any other code of a refused job is the request's fault: 400.
STATUS = {
    "too_large_bytes": 413,
    "too_many_pixels": 413,
    "unknown_face": 422,
    "no_face": 422,
    "unavailable": 501,
    "queue_full": 503,
    "expired": 503,  # the upload waited longer than job_ttl for a worker: overloaded
    "failed": 500,
    "timeout": 504,
}


def make_app(settings: Settings, backend: JobBackend) -> web.Application:
    app = web.Application(middlewares=[_json_errors], client_max_size=settings.max_bytes + 1024 * 1024)
    app[SETTINGS] = settings
    app[BACKEND] = backend
    app[METRICS] = ServiceMetrics()
    app.router.add_post(r"/v1/{kind:analyze|anonymize|age}", _job)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/openapi.yaml", _openapi)
    app.on_cleanup.append(_close_backend)
    return app


async def _job(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    settings, backend, metrics = request.app[SETTINGS], request.app[BACKEND], request.app[METRICS]
    started = time.monotonic()
    job_id = None
    try:
        upload = await read_upload(request, settings.max_bytes)
        job_id = await backend.submit(kind, upload.image, upload.options)
        output = await backend.wait(job_id, settings.request_timeout)
    except (ApiError, JobError, ImageError, QueueFull, JobFailed, TimeoutError, RedisError) as exc:
        if isinstance(exc, TimeoutError) and job_id is not None:
            with contextlib.suppress(RedisError):
                await backend.cancel(job_id)  # nobody can collect it now: don't let it hold a place in the queue
        status, code, message = _classify(exc)
        metrics.observe(kind, _outcome(status), time.monotonic() - started, code)
        headers = {"Retry-After": str(metrics.retry_after())} if status == 503 else None
        return error_response(status, code, message, headers)
    response = await _render(request, kind, job_id, output)
    metrics.observe(kind, "ok", time.monotonic() - started)
    return response


def _classify(exc: Exception) -> tuple[int, str, str]:
    match exc:
        case ApiError():
            return exc.status, exc.code, exc.message
        case JobError() | ImageError():
            return STATUS.get(exc.code, 400), exc.code, exc.message
        case QueueFull():
            return 503, "queue_full", "Too many photos are waiting; please try again shortly."
        case TimeoutError():
            return 504, "timeout", "The job did not finish in time."
        case RedisError():
            log.warning("job queue unavailable: %s", exc)
            return 503, "queue_unavailable", "The job queue is unavailable; please try again shortly."
    return 500, "failed", str(exc) or "The job failed."


def _outcome(status: int) -> str:
    return {501: "unavailable", 503: "busy", 504: "timeout"}.get(status, "failed" if status >= 500 else "rejected")


async def _render(request: web.Request, kind: str, job_id: str, output: JobOutput) -> web.Response:
    """The image itself by default; JSON (report + base64 images) with `Accept: application/json`, or when the job
    made no image (analyze with `sheet: false`)."""
    headers = {"X-Nobody-Job": job_id, "Cache-Control": "no-store"}
    if output.image and "application/json" not in request.headers.get("Accept", ""):
        headers["Content-Disposition"] = f'inline; filename="nobody-{kind}{output.suffix}"'
        return web.Response(body=output.image, content_type=output.content_type, headers=headers)
    body = await asyncio.to_thread(_json_body, kind, job_id, output)
    return web.Response(body=body, content_type="application/json", headers=headers)


def _json_body(kind: str, job_id: str, output: JobOutput) -> bytes:
    payload: dict[str, Any] = {"job": job_id, "kind": kind, "report": _finite(output.report)}
    if output.image:
        payload["image"] = {"content_type": output.content_type, "base64": base64.b64encode(output.image).decode()}
    if output.extra:
        payload["extra"] = {name: base64.b64encode(data).decode() for name, data in output.extra.items()}
    return json.dumps(payload, allow_nan=False).encode()


def _finite(value: Any) -> Any:
    """NaN/inf (e.g. a skin tone that could not be measured) → null: JSON has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


@web.middleware
async def _json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """aiohttp's own errors (404, 405, 413 from client_max_size) in the same JSON shape as ours."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return error_response(exc.status, code, exc.reason)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)  # a bug: the traceback, never the upload
        return error_response(500, "internal", "Internal error.")


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _readyz(request: web.Request) -> web.Response:
    ok, reason = await request.app[BACKEND].ready()
    return web.json_response({"ready": ok, "reason": reason}, status=200 if ok else 503)


async def _metrics(request: web.Request) -> web.Response:
    try:
        depth = await request.app[BACKEND].queue_depth()
    except Exception:  # Redis away: still serve the counters (readyz says why); the gauge reads -1
        depth = -1
    body = request.app[METRICS].render(depth)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


async def _openapi(_request: web.Request) -> web.Response:
    return web.Response(body=OPENAPI.read_bytes(), content_type="application/yaml")


async def _close_backend(app: web.Application) -> None:
    await app[BACKEND].close()
