"""Prometheus metrics of one `nobody serve` process, in a registry of its own (several apps may share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Analyze takes ~0.1-1 s, anonymize seconds, a long queue tens of seconds: buckets cover all three.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "nobody_jobs", "Job requests by kind and outcome", ["kind", "outcome"], registry=self.registry
        )
        self.errors = Counter(
            "nobody_job_errors", "Failed job requests by kind and error code", ["kind", "code"], registry=self.registry
        )
        self.latency = Histogram(
            "nobody_job_seconds",
            "Time from upload received to answer sent (queue wait included), by kind",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge("nobody_queue_depth", "Jobs waiting for a job process", registry=self.registry)
        self.mean_ok_s = 1.0  # running mean of successful jobs, for Retry-After

    def observe(self, kind: str, outcome: str, seconds: float, code: str | None = None) -> None:
        self.jobs.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)
        if code is not None:
            self.errors.labels(kind, code).inc()
        if outcome == "ok":
            self.mean_ok_s += 0.1 * (seconds - self.mean_ok_s)

    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one job's time, when a slot frees up."""
        return max(1, min(60, round(self.mean_ok_s)))

    def render(self, queue_depth: int) -> bytes:
        self.queue_depth.set(queue_depth)
        return generate_latest(self.registry)
