"""Static assets with versioned URLs, and plotly.js served from the plotly package.

Versioned URLs let browsers cache for a year: a changed file gets a new URL.
plotly.js is gzip-compressed once per process and kept in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from pathlib import Path

import plotly
from flask import Blueprint, Response, abort, current_app, request, url_for

bp = Blueprint("assets", __name__)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
YEAR = 365 * 24 * 3600
_lock = threading.Lock()
_plotly_cache: dict[str, bytes] = {}


def plotly_version() -> str:
    return plotly.__version__


def static_url(filename: str) -> str:
    """The file's URL with its content hash, so it can be cached for a year.

    Outside debug the files cannot change under a running server: hash once.
    """
    versions = current_app.extensions.setdefault("static_versions", {})
    version = versions.get(filename)
    if version is None:
        content = (Path(current_app.static_folder) / filename).read_bytes()
        version = hashlib.sha256(content).hexdigest()[:10]
        if not current_app.debug:
            versions[filename] = version
    return url_for("static", filename=filename, v=version)


def _plotly_bytes(compressed: bool) -> bytes:
    key = "gzip" if compressed else "raw"
    if key not in _plotly_cache:
        with _lock:
            if key not in _plotly_cache:
                raw = PLOTLY_JS.read_bytes()
                _plotly_cache[key] = gzip.compress(raw, compresslevel=9, mtime=0) if compressed else raw
    return _plotly_cache[key]


@bp.route("/vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    if version != plotly_version():
        abort(404)
    headers = {"ETag": f'"plotly-{version}"', "Cache-Control": f"public, max-age={YEAR}, immutable",
               "Vary": "Accept-Encoding"}
    if request.if_none_match.contains(f"plotly-{version}"):
        return Response(status=304, headers=headers)
    compressed = "gzip" in request.accept_encodings
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return Response(_plotly_bytes(compressed), mimetype="text/javascript", headers=headers)
