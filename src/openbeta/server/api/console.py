"""The web console: static files shipped in the package, served at ``/`` and ``/console/...``.

The page talks only to the public ``/v1`` API (with the key the user types in), like any client.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parent.parent / "console"

#: Everything the page loads or connects to is on the server's own origin.
CSP = ("default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; media-src 'self' blob:; "
       "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

router = APIRouter(include_in_schema=False)


@router.get("/")
async def console_index() -> FileResponse:
    return FileResponse(ROOT / "index.html", media_type="text/html",
                        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


def static_files() -> StaticFiles:
    """The console's assets, mounted at ``/console``."""
    return StaticFiles(directory=ROOT)
