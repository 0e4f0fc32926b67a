"""The citation checker: a page (/check: paste a text or upload a file) and POST /api/check.

What is submitted is checked in memory and answered; it is neither stored nor logged (an upload is parsed
into memory, not spooled to a temporary file), and the answers are never cached.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from search.checker import MAX_TEXT_CHARS, STATUS_NAMES, STATUSES, CheckError, CheckReport, check_text
from search.params import ParamError
from web.current import current_index

bp = Blueprint("check", __name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A request: the upload, or the text (up to 4 bytes a character in UTF-8, more when escaped in JSON), and a
# little room for the rest of the form.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
MAX_FORM_FIELD_BYTES = MAX_TEXT_CHARS * 4 + 1024
NO_STORE = "no-store"


class TooLarge(RequestEntityTooLarge):
    """A 413 with a message saying what the limit is."""

    def __init__(self, message: str):
        super().__init__(description=message)


def _in_memory(*_args, **_kwargs) -> io.BytesIO:
    return io.BytesIO()


def submitted_text() -> str:
    """The text of the request: JSON {"text": ...}, or a form's `text` field or `file` upload."""
    request.max_content_length = MAX_REQUEST_BYTES
    if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
        raise TooLarge(f"the request is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise ParamError('send JSON {"text": "..."} with the text to check')
        unknown = sorted(set(body) - {"text"})
        if unknown:
            raise ParamError(f"unknown field {unknown[0]!r}; accepted: text")
        return _checked_length(body["text"])
    _, form, files = parse_form_data(
        request.environ,
        stream_factory=_in_memory,
        max_form_memory_size=MAX_FORM_FIELD_BYTES,
        max_content_length=MAX_REQUEST_BYTES,
        silent=False,
    )
    upload = files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read()
        if len(data) > MAX_UPLOAD_BYTES:
            raise TooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        from web.uploads import upload_text

        return _checked_length(upload_text(upload.filename, data))
    text = form.get("text", "")
    if not text.strip():
        raise ParamError("paste the text to check, or upload a .txt, .docx or .pdf file")
    return _checked_length(text)


def _checked_length(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise TooLarge(f"the text has {len(text)} characters; at most {MAX_TEXT_CHARS} are checked at once")
    return text


def _report(text: str) -> CheckReport:
    try:
        return check_text(current_index(), text)
    except CheckError as e:
        raise TooLarge(str(e)) from None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    return response


@bp.post("/api/check")
def check_json():
    return _no_store(jsonify(_report(submitted_text()).to_dict()))


@bp.get("/check")
def check_form():
    return _no_store(Response(_page(None, "")))


@bp.post("/check")
def check_page():
    text = submitted_text()
    return _no_store(Response(_page(_report(text), text)))


def _page(report: CheckReport | None, text: str) -> str:
    return render_template(
        "check.html",
        report=report,
        text=text,
        statuses=STATUSES,
        status_names=STATUS_NAMES,
        max_chars=MAX_TEXT_CHARS,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
