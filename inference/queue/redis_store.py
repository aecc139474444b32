"""What the arq backend and `nobody worker` keep in Redis besides arq's own keys, and how.

- `{queue}:in:{id}`: the uploaded bytes, with a TTL. Kept out of arq's job arguments on purpose: arq pickles its
  arguments into the job key and logs them (truncated) when a job starts; a photo belongs in neither.
- `{queue}:out:{id}`: a hash, the result (image, content type, suffix, report JSON, extra images) or the error
  (code, message), with a TTL. Written once by the worker, with the input deleted in the same transaction.
- `{queue}:done`: a pub/sub channel carrying the ids of finished jobs, so waiters wake at once instead of polling.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from inference.jobs import JobError, JobOutput
from inference.queue.base import JobFailed

EXTRA = "extra:"


class Keys:
    def __init__(self, queue_name: str) -> None:
        self.queue = queue_name
        self.done_channel = f"{queue_name}:done"
        self.health = f"{queue_name}:health-check"  # arq's own default for a worker on this queue

    def input(self, job_id: str) -> str:
        return f"{self.queue}:in:{job_id}"

    def result(self, job_id: str) -> str:
        return f"{self.queue}:out:{job_id}"


def encode_output(output: JobOutput) -> dict[str, bytes]:
    fields = {
        "state": b"done",
        "image": output.image,
        "content_type": output.content_type.encode(),
        "suffix": output.suffix.encode(),
        "report": json.dumps(output.report).encode(),
    }
    fields.update({EXTRA + name: data for name, data in output.extra.items()})
    return fields


def encode_error(code: str, message: str) -> dict[str, bytes]:
    """`code` "failed" means the job itself failed (JobFailed); any other is the request's fault (JobError)."""
    return {"state": b"error", "code": code.encode(), "message": message.encode()}


def decode(fields: dict[bytes, bytes]) -> JobOutput:
    """A stored result → JobOutput, or the stored error raised as JobError / JobFailed."""
    text = {k.decode(): v for k, v in fields.items()}
    if text.get("state") != b"done":
        code, message = text.get("code", b"failed").decode(), text.get("message", b"the job failed").decode()
        raise JobFailed(message) if code == "failed" else JobError(code, message)
    report: dict[str, Any] = json.loads(text["report"])
    extra = {name.removeprefix(EXTRA): data for name, data in text.items() if name.startswith(EXTRA)}
    return JobOutput(text["image"], text["content_type"].decode(), text["suffix"].decode(), report, extra)


async def store_result(redis: Redis, keys: Keys, job_id: str, fields: dict[str, bytes], ttl: int) -> None:
    """Result in, input out, waiters told: one transaction, so a retry never sees the input without the result."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.result(job_id))
        pipe.hset(keys.result(job_id), mapping=fields)  # type: ignore[arg-type]
        pipe.expire(keys.result(job_id), ttl)
        pipe.delete(keys.input(job_id))
        pipe.publish(keys.done_channel, job_id)
        await pipe.execute()
