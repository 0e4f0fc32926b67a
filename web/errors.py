"""One exception handler decides JSON (under /api/) or an HTML page; never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from search.backend import BackendConfigError, ShardError
from search.index import NoIndexError
from search.params import ParamError
from search.query import QueryError
from web.requests import request_id_of

log = logging.getLogger("govlaw.web")

MESSAGES = {
    400: "请求参数有误",
    404: "找不到该页面或文件",
    405: "不支持该请求方法",
    413: "提交的内容过大",
    503: "索引尚未建立，暂时无法检索",
    500: "服务器内部错误",
}


def _respond(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    rid = request_id_of(request.environ)
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": message, "status": status, "request_id": rid})
    else:
        title = MESSAGES.get(status, "出错了")
        page = render_template("error.html", status=status, title=title, message=message, request_id=rid)
        response = make_response(page)
    response.status_code = status
    # What the error itself says besides its body: Allow of a 405, Retry-After of a 503 under overload.
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ParamError)
    @app.errorhandler(QueryError)
    def bad_request(e: Exception):
        return _respond(400, str(e))

    @app.errorhandler(NoIndexError)
    def no_index(e: NoIndexError):
        return _respond(503, "no index has been published yet: build one with `python -m indexer build`")

    @app.errorhandler(ShardError)
    def shard_error(e: ShardError):
        # Never a partial answer: the request fails whole, naming the shards; the next one connects again.
        log.warning("shard.error", extra={"govlaw": {"path": request.path, "error": str(e), "shards": list(e.shards)}})
        return _respond(503, str(e), [("Retry-After", "2")])

    @app.errorhandler(BackendConfigError)
    def backend_config(e: BackendConfigError):
        return _respond(503, f"the search backend is misconfigured: {e}")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return _respond(e.code or 500, e.description or MESSAGES.get(e.code or 500, ""), e.get_headers())

    @app.errorhandler(Exception)
    def internal(e: Exception):
        log.exception(
            "http.error", extra={"govlaw": {"path": request.path, "request_id": request_id_of(request.environ)}}
        )
        return _respond(500, "internal error")
