"""`nobody serve` (the HTTP API) and `nobody worker` (runs queued jobs from Redis)."""

from __future__ import annotations

import argparse

from nobody.settings import Settings, get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="HTTP API: POST /v1/analyze|anonymize|age, /healthz, /readyz, /metrics")
    p.add_argument("--host", help="override NOBODY_SERVE_HOST")
    p.add_argument("--port", type=int, help="override NOBODY_SERVE_PORT")
    p.add_argument("--workers", type=int, help="job processes when no Redis is set (NOBODY_WORKERS)")
    p.set_defaults(handler=_serve)

    p = sub.add_parser("worker", help="run jobs queued in Redis (NOBODY_REDIS_URL) by `nobody serve` and the bot")
    p.add_argument("--workers", type=int, help="job processes in this worker (NOBODY_WORKERS)")
    p.add_argument("--check", action="store_true", help="exit 0 if a worker on this queue is alive (health check)")
    p.set_defaults(handler=_worker)


def _settings(args: argparse.Namespace, **names: str) -> Settings:
    """Settings with the given command-line options (attribute → setting name) laid over the environment."""
    update = {field: getattr(args, attr) for attr, field in names.items() if getattr(args, attr) is not None}
    return get_settings().model_copy(update=update)


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from inference.queue import make_backend
    from inference.service.app import make_app

    settings = _settings(args, host="serve_host", port="serve_port", workers="workers")

    async def build() -> web.Application:
        return make_app(settings, make_backend(settings))  # in the loop: the backend binds to it

    # On SIGTERM, requests still waiting after a few seconds are dropped: `docker stop` kills at 10 s.
    web.run_app(build(), host=settings.serve_host, port=settings.serve_port, shutdown_timeout=8)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from inference.queue import worker

    settings = _settings(args, workers="workers")
    return worker.check(settings) if args.check else worker.run(settings)
