"""Shedding load: a bounded queue of waiting requests, and 503 with Retry-After beyond it.

gunicorn's sync workers take connections one at a time from the listening socket; what they have not taken yet
waits in the kernel's accept queue, unbounded in effect (its backlog is 2048), so that under overload every request
waits longer and longer until the clients time out. Here a worker reads the queue's length from the listening
socket (Linux TCP_INFO of a listening socket: the connections waiting to be accepted) when it starts a request,
and while more than QUEUE_MAX (GOVLAW_QUEUE_MAX) wait it answers 503 with Retry-After at once instead of
searching: a cheap answer that empties the queue. A waiting request is thus behind at most QUEUE_MAX others.
Where the length cannot be read (a Unix socket, another system, the test client), nothing is shed.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable

from flask import Flask, current_app, request
from werkzeug.exceptions import ServiceUnavailable

# Requests that may wait for a worker before new ones are turned away (0: never shed).
QUEUE_MAX = 8
RETRY_AFTER_SECONDS = 1
# Paths answered even under overload: a load balancer's health check must not take the server out for being busy.
NEVER_SHED = ("/healthz",)
# struct tcp_info: eight one-byte fields, then u32 rto, ato, snd_mss, rcv_mss, unacked (of a listening socket:
# the connections waiting to be accepted), sacked (its backlog).
_TCP_INFO = struct.Struct("=8B6I")
_listeners: list[socket.socket] = []


class OverloadedError(ServiceUnavailable):
    def __init__(self, waiting: int):
        super().__init__(
            description=f"the server is busy ({waiting} requests waiting); try again in {RETRY_AFTER_SECONDS} s",
            retry_after=RETRY_AFTER_SECONDS,
        )


def set_listeners(sockets: Iterable[socket.socket]) -> None:
    """The sockets this worker accepts from (gunicorn's post_fork hands them over)."""
    _listeners[:] = [s for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6)]


def waiting() -> int | None:
    """Connections waiting to be accepted on this worker's listening sockets; None where that cannot be read."""
    if not _listeners or not hasattr(socket, "TCP_INFO"):
        return None
    total = 0
    for s in _listeners:
        try:
            info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO.size)
        except OSError:
            return None
        total += _TCP_INFO.unpack_from(info)[12]
    return total


def register(app: Flask) -> None:
    app.config.setdefault("QUEUE_MAX", QUEUE_MAX)

    @app.before_request
    def shed():
        limit = int(current_app.config["QUEUE_MAX"])
        if limit <= 0 or request.path in NEVER_SHED or request.endpoint == "static":
            return
        queued = waiting()
        if queued is not None and queued > limit:
            raise OverloadedError(queued)
