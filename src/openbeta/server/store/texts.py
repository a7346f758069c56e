"""Files' parsed texts, stored in pieces: written as a file is parsed, read back piece by piece.

A text is the ``file_text_pieces`` rows of one *source* (the ingestion that wrote them) in
``position`` order, and counts once its ``file_texts`` row names that source. Each ingestion that
parses a file writes its pieces under a source of its own, so two ingestions of one file (into two
vector stores, or by two replicas) never mix their pieces; the first to finish is the file's text, and
the pieces of any other source (a loser's, an interrupted ingestion's) are deleted then.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database
from .tables import FileTextPieceRow, FileTextRow

#: Most characters in one piece (the parser hands text on in pieces of this size).
PIECE_CHARS = 64 * 1024
#: Pieces written (or read) in one transaction.
PIECES_AT_ONCE = 16


@dataclass(frozen=True)
class StoredText:
    file_id: str
    source: str
    pieces: int
    chars: int
    pages: Optional[int]


def stored_text(session: Session, file_id: str) -> Optional[StoredText]:
    """The file's text, if one has been stored in full."""
    row = session.get(FileTextRow, file_id)
    return None if row is None else StoredText(file_id, row.source, row.pieces, row.chars, row.pages)


def read_pieces(db: Database, text: StoredText) -> Iterator[str]:
    """The text's pieces in order, ``PIECES_AT_ONCE`` read at a time, each read in a short transaction
    of its own (the text may be read for as long as its reader takes). Ends early if the file is
    deleted meanwhile."""
    for first in range(0, text.pieces, PIECES_AT_ONCE):
        with db.session() as s:
            parts = list(s.scalars(
                select(FileTextPieceRow.text)
                .where(FileTextPieceRow.file_id == text.file_id, FileTextPieceRow.source == text.source,
                       FileTextPieceRow.position >= first, FileTextPieceRow.position < first + PIECES_AT_ONCE)
                .order_by(FileTextPieceRow.position)))
        yield from parts
        if len(parts) < min(PIECES_AT_ONCE, text.pieces - first):
            return


def delete_text(session: Session, file_id: str) -> None:
    """Forget the file's text and every piece written of it."""
    session.execute(delete(FileTextPieceRow).where(FileTextPieceRow.file_id == file_id))
    session.execute(delete(FileTextRow).where(FileTextRow.file_id == file_id))


class TextWriter:
    """Stores one file's text as it is parsed: :meth:`through` passes the parser's pieces on while it
    writes them (``PIECES_AT_ONCE`` per transaction), :meth:`commit` makes them the file's text,
    :meth:`discard` deletes what was written (a parse that failed or was abandoned).

    Trailing white space of the text is dropped (the last piece's), as the parser drops leading white space.
    """

    def __init__(self, db: Database, file_id: str) -> None:
        self.db = db
        self.file_id = file_id
        self.source = secrets.token_hex(8)
        self.pieces = 0
        self.chars = 0
        self._buffer: list[str] = []
        self._held: Optional[str] = None  # the newest piece: the last one loses its trailing white space
        self.done = False

    def through(self, pieces: Iterable[str]) -> Iterator[str]:
        for piece in pieces:
            if not piece:
                continue
            if self._held is not None:
                self._add(self._held)
            self._held = piece
            yield piece

    def _add(self, piece: str) -> None:
        self._buffer.append(piece)
        if len(self._buffer) >= PIECES_AT_ONCE:
            with self.db.session() as s:
                self._flush(s)

    def _flush(self, session: Session) -> None:
        if self._buffer:
            session.execute(insert(FileTextPieceRow), [
                {"file_id": self.file_id, "source": self.source, "position": self.pieces + i, "text": piece}
                for i, piece in enumerate(self._buffer)])
            self.pieces += len(self._buffer)
            self.chars += sum(len(piece) for piece in self._buffer)
            self._buffer.clear()

    def commit(self, pages: Optional[int]) -> bool:
        """Make the pieces written the file's text, unless another ingestion stored it first (then they
        are deleted); whether this one's counts. Pieces of any other source are deleted."""
        last = (self._held or "").rstrip()
        self._held = None
        if last:
            self._buffer.append(last)
        self.done = True
        try:
            with self.db.session() as s:
                if s.get(FileTextRow, self.file_id) is None:
                    self._flush(s)
                    s.add(FileTextRow(file_id=self.file_id, source=self.source, pieces=self.pieces,
                                      chars=self.chars, pages=pages))
                    s.flush()
                    s.execute(delete(FileTextPieceRow).where(FileTextPieceRow.file_id == self.file_id,
                                                             FileTextPieceRow.source != self.source))
                    return True
        except IntegrityError:  # another ingestion's row went in meanwhile (PostgreSQL)
            pass
        self.discard()
        return False

    def discard(self) -> None:
        """Delete the pieces this writer wrote."""
        self.done = True
        self._buffer.clear()
        self._held = None
        with self.db.session() as s:
            s.execute(delete(FileTextPieceRow).where(FileTextPieceRow.file_id == self.file_id,
                                                     FileTextPieceRow.source == self.source))
