"""``GET /metrics``: Prometheus text from ``prometheus_client``, one registry per app.

Counters and histograms count what this process did (requests, provider
latency, lease takeovers, open run streams, realtime sessions and responses, the voice threads' jobs
and audio); the run and queue gauges are read from
the database at scrape time, so every replica reports the same totals for them.
With ``--workers N`` a scrape reaches one worker: scrape each replica process
(or sum the per-process series) for the counters.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from .store.tables import RunRow, VectorStoreFileRow

log = logging.getLogger("openbeta")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """Runs by status, queue depths and lease takeovers, read when scraped."""

    def __init__(self, services: Any) -> None:
        self.services = services

    def collect(self) -> Iterator[Any]:
        runs = GaugeMetricFamily("openbeta_runs", "Runs stored, by status.", labels=["status"])
        queue = GaugeMetricFamily("openbeta_queue_depth",
                                  "Work waiting for a replica: queued runs, files waiting to be ingested.",
                                  labels=["kind"])
        try:
            with self.services.db.session() as s:
                counts = dict(s.execute(select(RunRow.status, func.count()).group_by(RunRow.status)).all())
                files = s.scalar(select(func.count()).select_from(VectorStoreFileRow)
                                 .where(VectorStoreFileRow.status == "in_progress")) or 0
        except Exception:
            log.exception("metrics: the database did not answer")
            counts, files = {}, 0
        for status in ("queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed",
                       "completed", "incomplete", "expired"):
            runs.add_metric([status], counts.get(status, 0))
        queue.add_metric(["runs"], counts.get("queued", 0))
        queue.add_metric(["ingestion"], files)
        takeovers = CounterMetricFamily("openbeta_lease_takeovers",
                                        "Work this process took over from a replica whose lease lapsed.",
                                        labels=["kind"])
        takeovers.add_metric(["run"], self.services.runs.engine.takeovers)
        takeovers.add_metric(["ingestion"], self.services.ingestion.ingestor.takeovers)
        yield runs
        yield queue
        yield takeovers


class VoiceCollector(Collector):
    """What the voice pipeline's threads are doing (speech and transcription jobs running) and the
    audio they made or heard, read when scraped."""

    def __init__(self, workload: Any) -> None:
        self.workload = workload

    def collect(self) -> Iterator[Any]:
        running = GaugeMetricFamily("openbeta_voice_jobs", "Speech and transcription jobs running on the voice "
                                    "threads.", labels=["kind"])
        audio = CounterMetricFamily("openbeta_voice_audio_seconds", "Seconds of audio spoken (speech) or "
                                    "transcribed (transcription).", labels=["kind"])
        for kind in self.workload.KINDS:
            running.add_metric([kind], self.workload.running[kind])
            audio.add_metric([kind], self.workload.audio_seconds[kind])
        yield running
        yield audio


class Metrics:
    def __init__(self, services: Any, voice: Any = None) -> None:
        """``voice``: the app's voice kit (its pipeline's workload is reported when it has one)."""
        self.registry = CollectorRegistry()
        self.requests = Counter("openbeta_http_requests", "HTTP requests answered.", ["method", "route", "status"],
                                registry=self.registry)
        self.request_seconds = Histogram("openbeta_http_request_seconds", "Time until a response ended.",
                                         ["method"], registry=self.registry)
        self.open_streams = Gauge("openbeta_open_streams", "Run event streams open on this process.",
                                  registry=self.registry)
        self.realtime_sessions = Gauge("openbeta_realtime_sessions", "Realtime WebSocket sessions open on this "
                                       "process.", registry=self.registry)
        self.realtime_responses = Gauge("openbeta_realtime_responses", "Realtime responses in progress on this "
                                        "process.", registry=self.registry)
        self.provider_seconds = Histogram("openbeta_provider_seconds", "Model calls: time to the first delta "
                                          "(phase=first_delta) and to the end (phase=total).", ["phase"],
                                          buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
                                          registry=self.registry)
        self.registry.register(StoreCollector(services))
        workload = getattr(getattr(voice, "voice", None), "workload", None)
        if workload is not None:
            self.registry.register(VoiceCollector(workload))
        engine = services.runs.engine
        engine.observe_provider = self.observe_provider
        engine.bus.streams = self.open_streams

    def observe_provider(self, first_delta: float | None, total: float) -> None:
        if first_delta is not None:
            self.provider_seconds.labels("first_delta").observe(first_delta)
        self.provider_seconds.labels("total").observe(total)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.request_seconds.labels(method).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
