"""One exception handler decides JSON (under /api/) or an HTML page; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.index import NoIndexError
from search.params import ParamError
from search.query import QueryError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求参数有误",
    404: "找不到该页面或文件",
    405: "不支持该请求方法",
    413: "提交的内容过大",
    503: "索引尚未建立，暂时无法检索",
    500: "服务器内部错误",
}


def _respond(status: int, message: str):
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = jsonify({"error": message, "status": status})
        response.status_code = status
        return response
    return render_template("error.html", status=status, title=MESSAGES.get(status, "出错了"), message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(ParamError)
    @app.errorhandler(QueryError)
    def bad_request(e: Exception):
        return _respond(400, str(e))

    @app.errorhandler(NoIndexError)
    def no_index(e: NoIndexError):
        return _respond(503, "no index has been published yet: build one with `python -m indexer build`")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return _respond(e.code or 500, e.description or MESSAGES.get(e.code or 500, ""))

    @app.errorhandler(Exception)
    def internal(e: Exception):
        log.exception("unhandled error on %s", request.path)
        return _respond(500, "internal error")
