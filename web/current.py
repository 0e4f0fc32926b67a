"""The published index for the current request (reopened by the holder when a new build is published)."""

from __future__ import annotations

from flask import current_app, g

from search.index import IndexHolder, OpenIndex


def current_index() -> OpenIndex:
    holder: IndexHolder = current_app.extensions["govlaw_index"]
    opened = holder.get()  # raises NoIndexError -> 503
    g.build_id = opened.build_id
    g.opened_index = opened
    return opened
