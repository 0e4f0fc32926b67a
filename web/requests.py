"""Each request's id and its line in the access log, around the whole app (a shed or failed request included).

The id is the client's or proxy's `X-Request-Id` when it is a sane one (1 to 64 letters, digits, `.`, `_`, `-`),
else a new one; it is echoed in the `X-Request-Id` header of the answer and in the body of every error. The
access log is one `http.request` record per request on the `govlaw.access` logger: method, path, status, bytes,
response time, build, request id, client address.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_KEY = "govlaw.request_id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
BUILD_HEADER = "X-Govlaw-Build"

access = logging.getLogger("govlaw.access")


def request_id_of(environ: dict) -> str:
    """The request's id (set by RequestLog; a new one where the app runs without it)."""
    rid = environ.get(REQUEST_ID_KEY)
    if rid is None:
        rid = environ[REQUEST_ID_KEY] = uuid.uuid4().hex
    return rid


class RequestLog:
    """WSGI middleware: the request id in and out, and the access log line once the body has been sent."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        environ[REQUEST_ID_KEY] = rid
        seen: dict = {"status": 0, "build": None}

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            seen["build"] = next((v for k, v in headers if k.lower() == BUILD_HEADER.lower()), None)
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower()]
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        sent = 0
        body: Iterable[bytes] = self.app(environ, start)
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            access.info(
                "http.request",
                extra={
                    "govlaw": {
                        "method": environ.get("REQUEST_METHOD"),
                        "path": _path(environ),
                        "status": seen["status"],
                        "bytes": sent,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "build": seen["build"],
                        "request_id": rid,
                        "remote": environ.get("REMOTE_ADDR"),
                    }
                },
            )


def _path(environ: dict) -> str:
    """The path and query as the client sent them (WSGI hands over their bytes as latin-1 text)."""
    path = _text(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    query = _text(environ.get("QUERY_STRING", ""))
    return f"{path}?{query}" if query else path


def _text(wsgi: str) -> str:
    return wsgi.encode("latin-1", "replace").decode("utf-8", "replace")
