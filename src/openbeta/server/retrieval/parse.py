"""Files to plain text: pdf (pypdf), docx (python-docx), html (BeautifulSoup), text and code."""

from __future__ import annotations

import codecs
import io
import itertools
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, Iterator, Optional

from charset_normalizer import from_bytes

from ..store.texts import PIECE_CHARS

TEXT_EXTENSIONS = {
    "txt", "md", "markdown", "rst", "csv", "tsv", "log", "tex", "json", "jsonl", "yaml", "yml", "toml", "ini",
    "cfg", "xml", "c", "h", "cc", "cpp", "hpp", "cs", "css", "go", "java", "js", "mjs", "jsx", "ts", "tsx", "php",
    "py", "rb", "rs", "sh", "bash", "sql", "swift", "kt", "scala", "lua", "pl", "r", "m", "vue", "svelte",
}
HTML_EXTENSIONS = {"html", "htm", "xhtml"}


class ParseError(Exception):
    """A file that yields no text. ``code`` is ``unsupported_file`` or ``invalid_file``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Parsed:
    text: str
    pages: int = 1


def extension(filename: str) -> str:
    return PurePosixPath(filename.lower()).suffix.lstrip(".")


def parse(filename: str, data: bytes) -> Parsed:
    ext = extension(filename)
    try:
        if ext == "pdf":
            parsed = _pdf(data)
        elif ext == "docx":
            parsed = Parsed(_docx(data))
        elif ext in HTML_EXTENSIONS:
            parsed = Parsed(_html(_decode(data)))
        elif ext in ("json",):
            parsed = Parsed(_json(_decode(data)))
        elif ext in TEXT_EXTENSIONS or _looks_like_text(data):
            parsed = Parsed(_decode(data))
        else:
            raise ParseError("unsupported_file", f"Files with the extension '.{ext}' are not supported."
                             if ext else "The file's type is not supported.")
    except ParseError:
        raise
    except Exception as exc:  # the parsers raise many kinds of errors on damaged files
        raise ParseError("invalid_file", f"The file could not be parsed: {exc}") from exc
    parsed.text = parsed.text.replace("\x00", "").strip()
    if not parsed.text:
        raise ParseError("invalid_file", "The file contains no text that could be extracted.")
    return parsed


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ParseError("invalid_file", "The file is not valid text in any known encoding.")
        return str(best)


def _looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4  # a multi-byte character cut at the edge
    return True


def _pdf(data: bytes) -> Parsed:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    return Parsed("\n\n".join(p.strip() for p in pages if p.strip()), pages=len(pages))


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                parts.append(" | ".join(cells))
    return "\n".join(parts)


def _html(text: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


#: Largest PDF, DOCX, HTML or JSON file parsed: their parsers read the whole document into memory
#: (a larger one fails with ``invalid_file``; plain text and code of any allowed size stream).
STRUCTURED_MAX_BYTES = 64 * 1024 * 1024
#: Bytes read ahead to tell the encoding of a text file that is not UTF-8.
SNIFF_BYTES = 1024 * 1024


class TextStream:
    """A file's text in pieces of at most ``PIECE_CHARS`` characters, in bounded memory (iterate it);
    ``pages``: the file's pages once the text is read (a PDF's; 1 for other files).

    Text and code are decoded as they are read (UTF-8, or the encoding charset-normalizer finds in the
    first megabyte); other formats are parsed whole, up to ``STRUCTURED_MAX_BYTES``. ``open_blocks``
    opens the file's bytes (it is opened again to decode with another encoding). NUL characters are
    dropped, and leading white space; a file without any text raises :class:`ParseError`, like :func:`parse`.
    """

    def __init__(self, filename: str, open_blocks: Callable[[], Iterator[bytes]],
                 encoding: Optional[str] = None) -> None:
        """``encoding``: decode text with this one (after :class:`Reencode`) rather than find it."""
        self.filename = filename
        self.open_blocks = open_blocks
        self.encoding = encoding
        self.pages = 1

    def __iter__(self) -> Iterator[str]:
        ext = extension(self.filename)
        blocks = self.open_blocks()
        first = next(blocks, b"")
        if ext in ("pdf", "docx", "json") or ext in HTML_EXTENSIONS or (
                ext not in TEXT_EXTENSIONS and not _looks_like_text(first)):
            data = bytearray(first)
            for block in blocks:
                data += block
                if len(data) > STRUCTURED_MAX_BYTES:
                    raise ParseError("invalid_file", f"The file is too large to parse as .{ext or 'unknown'}: "
                                     f"the most is {STRUCTURED_MAX_BYTES} bytes (plain text files may be larger).")
            parsed = parse(self.filename, bytes(data))
            del data
            self.pages = parsed.pages
            for start in range(0, len(parsed.text), PIECE_CHARS):
                yield parsed.text[start:start + PIECE_CHARS]
            return
        source = itertools.chain([first], blocks)
        try:
            yield from _decoded(source, self.encoding or "utf-8-sig")
        except _NotDecoded as failed:
            if self.encoding is not None:
                raise ParseError("invalid_file", f"The file is not valid {self.encoding} text.") from None
            # what encoding it is, from its first megabyte, or (when text was handed on already) from
            # the megabyte where UTF-8 failed
            head = bytearray(failed.block if failed.sent else b"")
            for block in source if failed.sent else self.open_blocks():
                if len(head) >= SNIFF_BYTES:
                    break
                head += block
            best = from_bytes(bytes(head[:SNIFF_BYTES])).best()
            if best is None:
                raise ParseError("invalid_file", "The file is not valid text in any known encoding.") from None
            if failed.sent:
                raise Reencode(best.encoding) from None
            try:
                yield from _decoded(self.open_blocks(), best.encoding)
            except _NotDecoded:
                raise ParseError("invalid_file", f"The file is not valid {best.encoding} text.") from None


class Reencode(Exception):
    """A text file turned out not to be UTF-8 past the part already handed on: parse it again from the
    start with ``encoding`` (``TextStream(..., encoding=...)``)."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


class _NotDecoded(Exception):
    def __init__(self, sent: bool, block: bytes) -> None:
        self.sent = sent
        self.block = block


def _decoded(blocks: Iterator[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    sent = False  # any text handed on (a decode error then cannot start over)
    found = False  # any character that is not white space
    pending = ""
    for block in itertools.chain(blocks, [None]):
        try:
            text = decoder.decode(b"", final=True) if block is None else decoder.decode(block)
        except UnicodeDecodeError:
            raise _NotDecoded(sent, block or b"") from None
        pending += text.replace("\x00", "")
        while len(pending) >= PIECE_CHARS or (block is None and pending):
            piece, pending = pending[:PIECE_CHARS], pending[PIECE_CHARS:]
            if not found:
                piece = piece.lstrip()
                found = bool(piece)
                if not found:
                    continue
            sent = True
            yield piece
    if not found:
        raise ParseError("invalid_file", "The file contains no text that could be extracted.")
