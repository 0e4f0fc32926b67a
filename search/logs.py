"""One log format for the indexer and the web server: one JSON object (or logfmt line, or text for a person)
per record, on stderr; JSON by default when stderr is not a terminal.

A record's message is its event name ("run.done", "http.request") and its fields are in `extra={"govlaw": {...}}`;
a record of another library (gunicorn's own) keeps its message as the event.
"""

from __future__ import annotations

import json
import logging
import sys
import time

LOG_FORMATS = ("auto", "json", "logfmt", "text")


class StructuredFormatter(logging.Formatter):
    """Structured log lines for a collector: one JSON object or one logfmt line per record."""

    converter = staticmethod(time.gmtime)

    def __init__(self, style_: str = "json"):
        super().__init__()
        self.style_ = resolve_format(style_)

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, "govlaw", {}),
        }
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        if self.style_ == "json":
            return json.dumps(fields, ensure_ascii=False, default=str)
        if self.style_ == "logfmt":
            return " ".join(f"{k}={logfmt_value(v)}" for k, v in fields.items())
        rest = " ".join(f"{k}={v}" for k, v in fields.items() if k not in ("time", "level", "event"))
        return f"{fields['time']} {fields['event']} {rest}".rstrip()


def logfmt_value(v) -> str:
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


def resolve_format(log_format: str) -> str:
    """ "auto" is text on a terminal and JSON elsewhere (a journal, a file, a collector)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: one of {', '.join(LOG_FORMATS)}")
    if log_format == "auto":
        return "text" if sys.stderr.isatty() else "json"
    return log_format


def setup_logging(log_format: str, name: str = "govlaw") -> str:
    """Send logger `name` and its children to stderr in `log_format`; returns the format chosen for "auto"."""
    log_format = resolve_format(log_format)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StructuredFormatter(log_format))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return log_format


def gunicorn_logconfig(log_format: str) -> dict:
    """gunicorn's `logconfig_dict`: its own messages and the app's (access log included) in one format."""
    handler = {"class": "logging.StreamHandler", "formatter": "govlaw", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"govlaw": {"()": StructuredFormatter, "style_": resolve_format(log_format)}},
        "handlers": {"govlaw": handler},
        "root": {"level": "WARNING", "handlers": ["govlaw"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["govlaw"], "propagate": False},
            # The app writes the access log itself (web/requests.py): with response time and build.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "govlaw": {"level": "INFO", "handlers": ["govlaw"], "propagate": False},
        },
    }
