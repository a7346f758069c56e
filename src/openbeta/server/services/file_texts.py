"""The text of the files a message carries (``input_file`` parts), for the model to read.

A message's ``input_file`` part names an uploaded file; when the message is stored, the file's text is
read (the same parsers as file_search ingestion: pdf, docx, html, text and code) and kept in the part as
the private key ``_text``, which the API never shows and the model's context is built from
(:func:`..runs.items.chat_parts`). Read once, when the message is stored: a file deleted later leaves the
text the message was sent with. Bounded: files larger than :data:`MAX_FILE_BYTES` are refused, and text
past :data:`MAX_TEXT_CHARS` is cut with a note saying so.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequest, NotFound
from ..retrieval.parse import ParseError, parse
from .files import FileService

#: The largest file read as a message's text (a larger one: use file_search on a vector store).
MAX_FILE_BYTES = 32 * 1024 * 1024
#: The most characters of a file's text a message carries (about 50,000 tokens).
MAX_TEXT_CHARS = 200_000


class FileTexts:
    def __init__(self, files: FileService) -> None:
        self.files = files

    def attach(self, project: str, items: list[dict[str, Any]], param: str = "input") -> None:
        """Give every ``input_file`` part of the message ``items`` its file's text (400 naming the part when
        the file is missing, too large or yields no text)."""
        for i, item in enumerate(items):
            if item.get("type") != "message":
                continue
            for j, part in enumerate(item.get("content") or []):
                if part.get("type") == "input_file" and part.get("file_id"):
                    part["_text"] = self.text(project, part["file_id"], f"{param}[{i}].content[{j}].file_id")

    def text(self, project: str, file_id: str, param: str) -> str:
        try:
            body, chunks = self.files.content(project, file_id)  # the row now; the bytes as they are read
        except NotFound:
            raise InvalidRequest(f"No file found with id '{file_id}'.", param=param, code="invalid_value") from None
        if (body.get("bytes") or 0) > MAX_FILE_BYTES:
            raise InvalidRequest(f"The file '{file_id}' is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most "
                                 "a message reads as text; put it in a vector store and use file_search.",
                                 param=param, code="file_too_large")
        try:
            text = parse(body.get("filename") or file_id, b"".join(chunks)).text
        except ParseError as exc:
            raise InvalidRequest(f"The file '{file_id}' cannot be read as text: {exc.message}", param=param,
                                 code=exc.code) from None
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS] + (f"\n[the rest of the file is left out: its text is longer than "
                                            f"{MAX_TEXT_CHARS} characters]")
        return text


__all__ = ["FileTexts", "MAX_FILE_BYTES", "MAX_TEXT_CHARS"]
