"""Leases: which replica drives a run, and until when, stored on the run's row.

A replica claims a run when it starts driving it (``owner`` = its replica id,
``lease_expires_at`` = now + ``lease_seconds``) and renews the lease every
:attr:`RunLeases.tick` seconds while it does. A run whose lease lapsed (its
replica died or hung) is taken over by whichever replica claims it first:
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two replicas never claim
the same run. SQLite serves one process: that process's first tick takes over
every run an earlier process left, without waiting for leases to lapse.

Lease times are the replicas' wall clocks: keep them synchronized (NTP) well
within ``lease_seconds``.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import Any, Optional

from sqlalchemy import or_, select, update

from ..store import Database
from ..store.tables import RunRow
from .records import DRIVEN_STATUSES


def replica_id() -> str:
    """This process's replica id: host, process id and a random tag (a restarted process is a new replica)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class RunLeases:
    def __init__(self, db: Database, seconds: float, replica: Optional[str] = None, batch: int = 16) -> None:
        self.db = db
        self.seconds = seconds
        self.replica = replica or replica_id()
        self.batch = batch
        #: How often leases are renewed and lapsed ones looked for.
        self.tick = max(0.05, min(1.0, seconds / 4))

    def claim(self) -> tuple[str, float]:
        return self.replica, time.time() + self.seconds

    def claim_run(self, run_id: str) -> bool:
        """Claim one run this replica was asked to drive: only if nobody holds a live lease on it."""
        stamp = time.time()
        with self.db.session() as s:
            done = s.execute(update(RunRow).where(
                RunRow.id == run_id, RunRow.status.in_(DRIVEN_STATUSES),
                or_(RunRow.owner.is_(None), RunRow.owner == self.replica, RunRow.lease_expires_at < stamp))
                .values(owner=self.replica, lease_expires_at=stamp + self.seconds)
                .execution_options(synchronize_session=False))
            return done.rowcount == 1

    def renew(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Renew this replica's leases on ``run_ids``; return each run still stored as
        ``{"status", "owner", "body"}`` (a missing one was deleted)."""
        with self.db.session() as s:
            s.execute(update(RunRow).where(RunRow.id.in_(run_ids), RunRow.owner == self.replica)
                      .values(lease_expires_at=time.time() + self.seconds)
                      .execution_options(synchronize_session=False))
            rows = s.execute(select(RunRow.id, RunRow.status, RunRow.owner, RunRow.body)
                             .where(RunRow.id.in_(run_ids))).all()
        return {row.id: {"status": row.status, "owner": row.owner, "body": row.body} for row in rows}

    def take_lapsed(self, first: bool = False) -> list[tuple[str, Optional[str]]]:
        """Claim runs nobody drives (a lapsed or released lease; on SQLite's first tick, every earlier
        process's); return ``(run id, previous owner)`` pairs."""
        stamp = time.time()
        sqlite = self.db.is_sqlite
        with self.db.session() as s:
            lapsed = or_(RunRow.owner.is_(None), RunRow.lease_expires_at < stamp)
            if sqlite and first:
                lapsed = or_(lapsed, RunRow.owner != self.replica)
            query = (select(RunRow.id, RunRow.owner).where(RunRow.status.in_(DRIVEN_STATUSES), lapsed)
                     .order_by(RunRow.seq).limit(self.batch))
            if not sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = s.execute(query).all()
            if rows:
                s.execute(update(RunRow).where(RunRow.id.in_([r.id for r in rows]))
                          .values(owner=self.replica, lease_expires_at=stamp + self.seconds)
                          .execution_options(synchronize_session=False))
        return [(row.id, row.owner) for row in rows]

    def release_all(self) -> int:
        """Hand back every run this replica holds (graceful drain): another replica takes them at once."""
        with self.db.session() as s:
            done = s.execute(update(RunRow).where(RunRow.owner == self.replica)
                             .values(owner=None, lease_expires_at=None)
                             .execution_options(synchronize_session=False))
            return done.rowcount
