"""A response's stream events, kept: ``GET /v1/responses/{id}?stream=true`` replays them, and resumes
after ``starting_after``. Blocking calls (run them off the event loop).

The replica driving a response appends its events in batches (:class:`EventLog`), and at once at every
item's end and at the response's end; a stream read on that replica takes the events not yet appended
from the driver's memory (see :mod:`.stream`).
"""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..ids import now
from ..store import Database
from ..store.tables import ResponseEventRow

#: Events one read returns at most.
READ_LIMIT = 500


class EventLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, response_id: str, events: list[dict[str, Any]]) -> bool:
        """Keep ``events`` (numbered); ``False`` when the response is gone (deleted meanwhile) or an
        event of those numbers is kept already (another replica took the response over)."""
        if not events:
            return True
        stamp = now()
        try:
            with self.db.session() as s:
                s.add_all(ResponseEventRow(response_id=response_id, seq=e["sequence_number"], type=e["type"],
                                           created_at=stamp, data=e) for e in events)
        except IntegrityError:
            return False
        return True

    def read(self, response_id: str, after: int = -1, limit: int = READ_LIMIT) -> list[dict[str, Any]]:
        """Kept events numbered above ``after``, in order."""
        with self.db.session() as s:
            return list(s.scalars(select(ResponseEventRow.data).where(
                ResponseEventRow.response_id == response_id, ResponseEventRow.seq > after)
                .order_by(ResponseEventRow.seq).limit(limit)))

    def last(self, response_id: str) -> Optional[int]:
        """The number of the last kept event (``None``: none kept)."""
        with self.db.session() as s:
            return s.scalar(select(func.max(ResponseEventRow.seq)).where(ResponseEventRow.response_id == response_id))

    def added(self, response_id: str) -> list[dict[str, Any]]:
        """The items announced so far (``output_item.added``, in ``output_index`` order), and the done
        version of each that is done: a response's output as its stream showed it."""
        with self.db.session() as s:
            rows = s.scalars(select(ResponseEventRow.data).where(
                ResponseEventRow.response_id == response_id,
                ResponseEventRow.type.in_(("response.output_item.added", "response.output_item.done")))
                .order_by(ResponseEventRow.seq))
            output: dict[int, dict[str, Any]] = {}
            for event in rows:
                output[event["output_index"]] = event["item"]
            return [output[i] for i in sorted(output)]
