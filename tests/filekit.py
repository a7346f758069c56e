"""Helpers for the files and ingestion tests: an SDK wrapper that uploads and waits, and document makers."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import openai


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class Kit:
    client: openai.OpenAI

    def upload(self, name: str, data: bytes | str, purpose: str = "assistants") -> Any:
        if isinstance(data, str):
            data = data.encode()
        return self.client.files.create(file=(name, data), purpose=purpose)

    def wait_store(self, store_id: str, timeout: float = 90) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            store = self.client.vector_stores.retrieve(store_id)
            if store.status != "in_progress":
                return store
            if time.monotonic() > deadline:
                raise AssertionError(f"vector store {store_id} still in progress: {store.file_counts}")
            time.sleep(0.2)

    def store_with(self, files: dict[str, bytes | str], **kwargs: Any) -> tuple[Any, dict[str, str]]:
        """A vector store holding ``files`` (name -> content), fully ingested; and name -> file id."""
        ids = {name: self.upload(name, data).id for name, data in files.items()}
        store = self.client.vector_stores.create(file_ids=list(ids.values()), **kwargs)
        return self.wait_store(store.id), ids
