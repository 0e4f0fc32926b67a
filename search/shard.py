"""`govlaw-shard`: serve shard K of an index root's published build to the service, with Xapian's `xapian-tcpsrv`.

The server is given the shard's path through the root's `current` link (ROOT/current/xapian/shard-KK), and
xapian-tcpsrv opens its database for each connection: a connection made after a publish reads the new build,
one made before goes on reading the build it opened (the service checks every shard's build on connecting, and
drops its connections when it serves another build). So the shard follows publishes without a restart; this
process logs each build it starts serving, waits for a first published build holding the shard, and stops the
server when it is stopped (SIGTERM, SIGINT).

xapian-tcpsrv is Debian's xapian-tools (`apt-get install xapian-tools`).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from search.backend import XAPIAN_DIR, shard_name
from search.config import index_root
from search.exitcodes import EXIT_FAILED, run_click
from search.index import CURRENT_LINK, current_build_path
from search.logs import LOG_FORMATS, setup_logging

log = logging.getLogger("govlaw.shard")
# How often the published build is looked at (to log a switch, or to start once a build is there).
POLL_SECONDS = 1.0
# Idle connections are kept this long by the server (ms): the service keeps one per thread and shard.
IDLE_TIMEOUT_MS = 3_600_000
TCPSRV = "xapian-tcpsrv"
# Where a shard listens when the command line does not say: GOVLAW_SHARD_HOST, and GOVLAW_SHARD_PORT_BASE plus
# the shard's number (shard 0 on 7700, shard 1 on 7701, …).
HOST_ENV = "GOVLAW_SHARD_HOST"
PORT_BASE_ENV = "GOVLAW_SHARD_PORT_BASE"
DEFAULT_PORT_BASE = 7700


def served_path(root: Path, shard: int) -> Path:
    """The path the server opens for each connection: through `current`, so that it follows publishes."""
    return root / CURRENT_LINK / XAPIAN_DIR / shard_name(shard)


def published_shard(root: Path, shard: int) -> str | None:
    """The id of the published build if it holds the shard, else None."""
    build = current_build_path(root)
    if build is None or not (build / XAPIAN_DIR / shard_name(shard)).is_dir():
        return None
    return build.name


def tcpsrv_command(tcpsrv: str, root: Path, shard: int, host: str, port: int) -> list[str]:
    return [
        tcpsrv,
        "--port",
        str(port),
        "--interface",
        host,
        "--idle-timeout",
        str(IDLE_TIMEOUT_MS),
        "--quiet",
        str(served_path(root, shard)),
    ]


def serve(root: Path, shard: int, host: str, port: int, tcpsrv: str) -> int:
    """Run the server until it ends or this process is stopped; returns the exit code."""
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    build = published_shard(root, shard)
    if build is None:
        log.warning("shard.waiting", extra={"govlaw": {"index": str(root), "shard": shard}})
    while build is None and not stopping:
        time.sleep(POLL_SECONDS)
        build = published_shard(root, shard)
    if stopping:
        return 0
    # A process group of its own: xapian-tcpsrv stops its connection processes by signalling its whole group.
    server = subprocess.Popen(tcpsrv_command(tcpsrv, root, shard, host, port), process_group=0)
    log.info("shard.serving", extra={"govlaw": {"shard": shard, "build": build, "host": host, "port": port}})
    try:
        while not stopping:
            code = server.poll()
            if code is not None:
                log.error("shard.server_ended", extra={"govlaw": {"shard": shard, "exit_code": code}})
                return code or EXIT_FAILED
            now = published_shard(root, shard)
            if now != build:
                build = now
                if now is None:
                    log.error("shard.missing", extra={"govlaw": {"shard": shard, "index": str(root)}})
                else:
                    log.info("shard.serving", extra={"govlaw": {"shard": shard, "build": now}})
            time.sleep(POLL_SECONDS)
        return 0
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@click.command()
@click.option(
    "--index", "index", type=click.Path(path_type=Path), default=None, help="Index root (default: $GOVLAW_INDEX)."
)
@click.option("--shard", type=click.IntRange(0, 255), required=True, help="The shard to serve (0, 1, …).")
@click.option(
    "--host",
    default=None,
    help=f"Address to listen on (default: ${HOST_ENV} or 127.0.0.1).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port to listen on (default: ${PORT_BASE_ENV} plus the shard; {DEFAULT_PORT_BASE} when it is unset).",
)
@click.option("--tcpsrv", default=TCPSRV, show_default=True, help="The xapian-tcpsrv program.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="auto", show_default=True)
def cli(index: Path | None, shard: int, host: str | None, port: int | None, tcpsrv: str, log_format: str) -> None:
    """Serve shard SHARD of the published build of an index root to govlaw's service (GOVLAW_SHARDS), following
    new publishes. Exit codes: 0 stopped, 1 the server could not run, 64 a wrong command line."""
    setup_logging(log_format)
    host = host or os.environ.get(HOST_ENV) or "127.0.0.1"
    if port is None:
        base = os.environ.get(PORT_BASE_ENV, str(DEFAULT_PORT_BASE))
        if not base.isdigit() or not 0 < int(base) + shard < 65536:
            raise click.UsageError(f"{PORT_BASE_ENV}={base!r} is not a port number")
        port = int(base) + shard
    program = shutil.which(tcpsrv)
    if program is None:
        click.echo(f"error: {tcpsrv} not found: install xapian-tools (Debian) or pass --tcpsrv", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(serve(index_root(index), shard, host, port, program))


def main() -> None:
    run_click(cli, "govlaw-shard")


if __name__ == "__main__":
    main()
