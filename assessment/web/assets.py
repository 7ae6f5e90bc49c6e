"""Static assets with versioned URLs, and the app's own plotly.js bundle.

Versioned URLs let browsers cache for a year: a changed file gets a new URL.

plotly.js is a custom bundle with only the traces the charts draw
(static/vendor/plotly-custom-<plotly.js version>.min.js, built by tools/build_plotly.sh).
Its URL carries the plotly.js version and a hash of the file, so a rebuild changes it.
It is gzip-compressed once per process and kept in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for

bp = Blueprint("assets", __name__)

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"
PLOTLY_GLOB = "plotly-custom-*.min.js"
_PLOTLY_NAME = re.compile(r"plotly-custom-(?P<version>\d+\.\d+\.\d+[0-9A-Za-z.-]*)\.min\.js")
YEAR = 365 * 24 * 3600
_lock = threading.Lock()
_plotly_cache: dict[str, bytes] = {}


@cache
def _plotly_bundle() -> tuple[str, bytes]:
    """(version, bytes) of the one committed bundle. A missing or doubled bundle stops
    the app at start-up rather than leaving every chart blank."""
    found = sorted(VENDOR.glob(PLOTLY_GLOB))
    if len(found) != 1:
        raise RuntimeError(f"expected one {VENDOR / PLOTLY_GLOB}, found {len(found)}: run tools/build_plotly.sh")
    match = _PLOTLY_NAME.fullmatch(found[0].name)
    if not match:
        raise RuntimeError(f"{found[0]}: no plotly.js version in the file name")
    raw = found[0].read_bytes()
    return f"{match['version']}-{hashlib.sha256(raw).hexdigest()[:10]}", raw


def plotly_version() -> str:
    """The bundle's URL version: plotly.js version and content hash, e.g. 4.1.1-0123456789."""
    return _plotly_bundle()[0]


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
    if not compressed:
        return _plotly_bundle()[1]
    if "gzip" not in _plotly_cache:
        with _lock:
            if "gzip" not in _plotly_cache:
                _plotly_cache["gzip"] = gzip.compress(_plotly_bundle()[1], compresslevel=9, mtime=0)
    return _plotly_cache["gzip"]


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
