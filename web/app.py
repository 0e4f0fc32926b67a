"""The Flask application factory: `gunicorn 'web.app:create_app()'`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from search.config import index_root
from search.index import IndexHolder, NoIndexError
from search.warm import DEFAULT_WARM_SECONDS, warm_build
from web import api, changes, check, compare, errors, expiring, feeds, overload, pages, quality
from web.mapped import DEFAULT_MAPPED_MB, MappedBudget
from web.requests import RequestLog

# Content-Security-Policy with no inline script or style anywhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
BUILD_HEADER = "X-Govlaw-Build"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then GOVLAW_* environment variables, then `test_config`; nothing is read at import time."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=None,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        PROXY_FIX=False,
        WARM_SECONDS=DEFAULT_WARM_SECONDS,
        MAPPED_MB=DEFAULT_MAPPED_MB,
    )
    app.config.from_prefixed_env("GOVLAW")
    if test_config:
        app.config.from_mapping(test_config)
    if isinstance(app.json, DefaultJSONProvider):  # Chinese as it is in JSON bodies, not \u escapes
        app.json.ensure_ascii = False
    app.extensions["govlaw_index"] = IndexHolder(
        Path(index_root(app.config["INDEX"])), warm_seconds=float(app.config["WARM_SECONDS"]), warmer=warm_build
    )

    app.extensions["govlaw_mapped"] = MappedBudget(float(app.config["MAPPED_MB"]))

    overload.register(app)
    app.before_request(api.not_modified_early)
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy (deploy/nginx.conf): the client's address, scheme and host from its
        # X-Forwarded-* headers, trusted for that one hop only.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(changes.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(check.bp)
    app.register_blueprint(expiring.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(quality.bp)
    errors.register(app)

    @app.after_request
    def add_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Answers that never reached the index (a bad parameter, a 404) name the build being served too.
        build = g.get("build_id") or app.extensions["govlaw_index"].served_build
        if build:
            response.headers[BUILD_HEADER] = build
        return api.cache_headers(response)

    return app


def open_index_early(app: Flask) -> None:
    """Open (and warm) the published build before the first request (gunicorn's post_worker_init); nothing
    published yet is no error here: requests answer 503 until a build is."""
    with contextlib.suppress(NoIndexError):
        app.extensions["govlaw_index"].get()
    app.extensions["govlaw_mapped"].settle()


def after_request_sent(app: Flask) -> None:
    """Work left until the response has gone (gunicorn's post_request): releasing mapped index pages beyond the
    worker's budget (web/mapped.py)."""
    app.extensions["govlaw_mapped"].after_request()
