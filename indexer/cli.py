"""`python -m indexer` / `govlaw-index`: build an index, or show how files are read."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from indexer.build import KEEP_BUILDS, BuildError, LockedError, build_index
from indexer.opmeta import read_metadata_file
from indexer.pipeline import FileError, SourceFile, build_document
from search.config import index_root
from search.exitcodes import EXIT_FAILED, EXIT_LOCKED, EXIT_REFUSED, run_click
from search.logs import LOG_FORMATS, setup_logging

# Shards of a Xapian build when --shards is not given.
DEFAULT_SHARDS = 3
EXIT_CODES = {"published": 0, "unchanged": 0, "failed": EXIT_FAILED, "locked": EXIT_LOCKED, "refused": EXIT_REFUSED}


def _error(message: str, log_format: str) -> None:
    """An error for a person on a terminal, or one more structured line where a collector reads stderr."""
    if log_format == "text":
        click.echo(f"error: {message}", err=True)
    else:
        logging.getLogger("govlaw.indexer").error("error", extra={"govlaw": {"message": message}})


_log_option = click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="auto",
    show_default=True,
    help="Log lines on stderr: JSON objects, logfmt, or text (auto: text on a terminal).",
)


_backend_options = [
    click.option(
        "--backend",
        type=click.Choice(("whoosh", "xapian")),
        default=None,
        help="xapian: the build also gets Xapian shards, served by `govlaw-shard` (default: whoosh; for update, "
        "the published build's).",
    ),
    click.option(
        "--shards",
        type=click.IntRange(1, 256),
        default=None,
        help="Xapian shards of the build (default 3; for update, the published build's number).",
    ),
]


def _backend(func):
    for option in reversed(_backend_options):
        func = option(func)
    return func


def _shards(backend: str | None, shards: int | None) -> int | None:
    """The shards to write: None for a Whoosh-only build; --shards alone implies xapian."""
    if backend == "whoosh":
        if shards is not None:
            raise click.UsageError("--shards is for --backend xapian")
        return None
    if backend == "xapian":
        return shards or DEFAULT_SHARDS
    return shards


@click.group()
def cli() -> None:
    """Index Chinese government legal documents for govlaw."""


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--index",
    "index",
    type=click.Path(path_type=Path),
    default=None,
    help="Index root (default: $GOVLAW_INDEX or var/index).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes for reading and cleaning.")
@click.option("--keep", type=click.IntRange(1, 100), default=3, show_default=True, help="Finished builds to keep.")
@click.option("--no-metadata-file", is_flag=True, help="Ignore metadata.jsonl files in the source folders.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@_backend
@_log_option
def build(
    sources: tuple[Path, ...],
    index: Path | None,
    workers: int | None,
    keep: int,
    no_metadata_file: bool,
    report: Path | None,
    progress: bool | None,
    backend: str | None,
    shards: int | None,
    log_format: str,
) -> None:
    """Build a new index from every supported file under SOURCES and publish it atomically.

    Exit codes: 0 done, 1 failed (the published index is unchanged), 2 another build holds the lock, 64 a wrong
    command line.
    """
    setup_logging(log_format)
    root = index_root(index)
    try:
        result = build_index(
            list(sources),
            root,
            workers=workers,
            keep=keep,
            progress=progress,
            use_metadata_file=not no_metadata_file,
            shards=_shards(backend, shards),
        )
    except LockedError as e:
        click.echo(f"error: {e}; try again when it has finished", err=True)
        sys.exit(EXIT_LOCKED)
    except (BuildError, ValueError) as e:
        click.echo(f"error: {e}; the published index is unchanged", err=True)
        sys.exit(EXIT_FAILED)
    for err in result.errors:
        click.echo(f"error: {err}", err=True)
    if report:
        report.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), "utf-8")
    click.echo(result.summary())


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-metadata-file", is_flag=True, help="Ignore a metadata.jsonl beside the files.")
def inspect(files: tuple[Path, ...], no_metadata_file: bool) -> None:
    """Print one JSON object per FILE: its cleaned text, metadata and section outline."""
    failed = False
    for path in files:
        root = path.parent
        row = {}
        if not no_metadata_file and (root / "metadata.jsonl").is_file():
            row = read_metadata_file(root).lookup(path.name) or {}
        result = build_document(SourceFile(path=path, root=root, source=f"{root.name}/{path.name}", operator=row))
        if isinstance(result, FileError):
            failed = True
            click.echo(json.dumps({"source": result.source, "error": result.to_dict()}, ensure_ascii=False))
        else:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    if failed:
        sys.exit(EXIT_FAILED)


_index_option = click.option(
    "--index",
    "index",
    type=click.Path(path_type=Path),
    default=None,
    help="Index root (default: $GOVLAW_INDEX or var/index).",
)


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@_index_option
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes for reading and cleaning.")
@click.option(
    "--keep",
    type=click.IntRange(1, 100),
    default=KEEP_BUILDS,
    show_default=True,
    help="Published builds to keep (for rollback).",
)
@click.option("--no-metadata-file", is_flag=True, help="Ignore metadata.jsonl files in the source folders.")
@click.option(
    "--gate-queries",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='Golden queries, JSONL: {"q": "...", "expect_source": "folder/file"} per line; each must '
    "find its document in the first 10 hits.",
)
@click.option(
    "--gate-sample",
    type=click.IntRange(0, 1000),
    default=None,
    help="Titles of unchanged documents that must still find them (default 20; 0: none).",
)
@click.option(
    "--min-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Refuse a build with fewer documents than this fraction of the last one (default 0.9).",
)
@click.option("--full", is_flag=True, help="Read every file again (as after a change of the indexing code).")
@click.option("--dry-run", is_flag=True, help="Only say what is new, changed and removed; write nothing.")
@click.option(
    "--warm-sets",
    is_flag=True,
    help="Write the match sets of common words into the new build, so that web workers warm it faster "
    "(a few seconds more per update).",
)
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@_backend
@_log_option
def update(
    sources: tuple[Path, ...],
    index: Path | None,
    workers: int | None,
    keep: int,
    no_metadata_file: bool,
    gate_queries: Path | None,
    gate_sample: int | None,
    min_ratio: float | None,
    full: bool,
    dry_run: bool,
    warm_sets: bool,
    report: Path | None,
    progress: bool | None,
    backend: str | None,
    shards: int | None,
    log_format: str,
) -> None:
    """Bring the index up to date with SOURCES: read only new and changed files, drop removed ones, check the
    new build with the quality gate and switch to it atomically.

    Exit codes: 0 done (or nothing to do), 1 failed (the served index is unchanged), 2 another run holds the
    lock, 3 the quality gate refused the build (the served index is unchanged), 64 a wrong command line.
    """
    from indexer.gate import GATE_MIN_RATIO, GATE_SAMPLE, GateFileError, read_gate_queries
    from indexer.update import UpdateOptions, update_index

    log_format = setup_logging(log_format)
    root = index_root(index)
    try:
        queries = tuple(read_gate_queries(gate_queries)) if gate_queries else ()
    except GateFileError as e:
        _error(f"{e}; the served index is unchanged", log_format)
        sys.exit(EXIT_FAILED)
    options = UpdateOptions(
        workers=workers,
        keep=keep,
        progress=progress,
        use_metadata_file=not no_metadata_file,
        gate_queries=queries,
        gate_sample=GATE_SAMPLE if gate_sample is None else gate_sample,
        min_ratio=GATE_MIN_RATIO if min_ratio is None else min_ratio,
        full=full,
        dry_run=dry_run,
        warm_sets=warm_sets,
        backend=backend,
        shards=_shards(backend, shards),
    )
    result = update_index(list(sources), root, options)
    if report:
        report.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), "utf-8")
    if dry_run:
        for kind in ("new", "changed", "removed"):
            for source in getattr(result, kind):
                click.echo(f"{kind}\t{source}")
    click.echo(result.summary())
    if result.status in ("locked", "failed"):
        _error(result.message, log_format)
    elif result.status == "refused":
        _error(
            "the quality gate refused the new build; the served index is unchanged. "
            f"Look at the report ({root / 'last-run.json'}), fix the sources or the golden queries, "
            "or lower --min-ratio if the corpus really shrank.",
            log_format,
        )
    sys.exit(EXIT_CODES[result.status])


@cli.command()
@_index_option
@_log_option
def rollback(index: Path | None, log_format: str) -> None:
    """Serve the build published before the current one again (one atomic switch).

    Exit codes: 0 done, 1 nothing to roll back to, 2 another run holds the lock.
    """
    from indexer.update import RollbackError, rollback_index

    log_format = setup_logging(log_format)
    root = index_root(index)
    try:
        was, now = rollback_index(root)
    except LockedError as e:
        _error(f"{e}; try again when it has finished", log_format)
        sys.exit(EXIT_LOCKED)
    except RollbackError as e:
        _error(str(e), log_format)
        sys.exit(EXIT_FAILED)
    click.echo(f"rollback: now serving build {now} (was {was})")


def main() -> None:
    run_click(cli, "govlaw-index")
