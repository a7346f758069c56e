"""``/redoc``: FastAPI's ReDoc page on the ReDoc bundle fastapi-offline ships, with nothing loaded from
elsewhere.

The bundle's sidebar shows Redocly's logo from Redocly's CDN (an ``<img>`` that no ReDoc option turns
off). The page loads the bundle from ``/redoc/redoc.standalone.js``: fastapi-offline's file with that one
address replaced by an empty inline image. Its Content-Security-Policy keeps every load on this server
besides (were the address ever to change, the browser would refuse it rather than fetch it). ``/docs``
(Swagger UI) loads nothing from elsewhere and is fastapi-offline's own page.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

#: Where fastapi-offline mounts the docs' scripts, styles and favicon.
STATIC = "/static-offline-docs"
BUNDLE = Path(fastapi_offline.__file__).resolve().parent / "static" / "redoc.standalone.js"
LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"
#: Scripts, styles, images and the search worker from this origin only (ReDoc injects its styles, and
#: runs its search in a worker made from a ``blob:``).
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def bundle() -> bytes:
    return BUNDLE.read_text(encoding="utf-8").replace(LOGO, EMPTY_IMAGE).encode()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_redoc_html(openapi_url=f"{root}/openapi.json", title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{root}/redoc/redoc.standalone.js", with_google_fonts=False,
                          redoc_favicon_url=f"{root}{STATIC}/favicon.png")
    page.headers["Content-Security-Policy"] = CSP
    return page


@router.get("/redoc/redoc.standalone.js")
def redoc_bundle() -> Response:
    return Response(bundle(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
