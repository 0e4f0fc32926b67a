"""Configuration shared by the CLIs and the web app: environment variables prefixed GOVLAW_."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX = "var/index"


def index_root(value: str | os.PathLike | None = None) -> Path:
    """The index root: an explicit value, else GOVLAW_INDEX, else ./var/index."""
    return Path(value or os.environ.get("GOVLAW_INDEX") or DEFAULT_INDEX)
