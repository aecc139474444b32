"""Running jobs away from the caller: in-process (embedded default) or on Redis-backed workers (arq)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inference.queue.base import JobBackend
    from nobody.settings import Settings


def make_backend(settings: Settings) -> JobBackend:
    """NOBODY_REDIS_URL set → arq (jobs run on `nobody worker`); empty → a pool of job processes in this process.

    Call it from the process that will use the backend: the embedded one starts its job processes right away.
    """
    if settings.redis_url:
        from inference.queue.arq_backend import ArqBackend

        return ArqBackend(settings)
    from inference.queue.embedded import EmbeddedBackend

    return EmbeddedBackend(settings)
