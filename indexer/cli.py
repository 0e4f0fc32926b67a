"""`python -m indexer` / `govlaw-index`: build an index, or show how files are read."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from indexer.build import BuildError, LockedError, build_index
from indexer.pipeline import FileError, SourceFile, build_document
from indexer.opmeta import read_metadata_file
from search.config import index_root

EXIT_FAILED = 1
EXIT_LOCKED = 2


@click.group()
def cli() -> None:
    """Index Chinese government legal documents for govlaw."""


@cli.command()
@click.argument("sources", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--index", "index", type=click.Path(path_type=Path), default=None,
              help="Index root (default: $GOVLAW_INDEX or var/index).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes for reading and cleaning.")
@click.option("--keep", type=click.IntRange(1, 100), default=3, show_default=True, help="Finished builds to keep.")
@click.option("--no-metadata-file", is_flag=True, help="Ignore metadata.jsonl files in the source folders.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def build(sources: tuple[Path, ...], index: Path | None, workers: int | None, keep: int, no_metadata_file: bool,
          report: Path | None, progress: bool | None) -> None:
    """Build a new index from every supported file under SOURCES and publish it atomically."""
    root = index_root(index)
    try:
        result = build_index(list(sources), root, workers=workers, keep=keep, progress=progress,
                             use_metadata_file=not no_metadata_file)
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
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
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


def main() -> None:
    cli(prog_name="govlaw-index")
