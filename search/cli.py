"""`python -m search QUERY` / `govlaw-search`: the same search as the page and the API, in a terminal."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from search.config import index_root
from search.engine import run_search
from search.exitcodes import run_click
from search.index import IndexHolder, NoIndexError
from search.params import ParamError, params_from
from search.query import QueryError

_TAG_RE = re.compile(r"</?mark>")


@click.command()
@click.argument("query", nargs=-1)
@click.option(
    "--index",
    "index",
    type=click.Path(path_type=Path),
    default=None,
    help="Index root (default: $GOVLAW_INDEX or var/index).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FACET=VALUE",
    help="Filter on a facet (issuer, year, doc_type, level, region, status); repeatable.",
)
@click.option("--date-from", default=None)
@click.option("--date-to", default=None)
@click.option("--as-of", default=None, metavar="YYYY-MM-DD", help="Only what was in force that day.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance")
@click.option("--page", type=int, default=1)
@click.option("--size", type=int, default=10)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a list.")
def cli(
    query: tuple[str, ...],
    index: Path | None,
    filters: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    as_of: str | None,
    sort: str,
    page: int,
    size: int,
    as_json: bool,
) -> None:
    """Search the published index for QUERY."""
    args: dict[str, list[str]] = {"q": [" ".join(query)], "sort": [sort], "page": [str(page)], "size": [str(size)]}
    for f in filters:
        name, sep, value = f.partition("=")
        if not sep:
            raise click.BadParameter(f"{f!r} is not FACET=VALUE", param_hint="--filter")
        args.setdefault(name.strip(), []).append(value.strip())
    if date_from:
        args["date_from"] = [date_from]
    if date_to:
        args["date_to"] = [date_to]
    if as_of:
        args["as_of"] = [as_of]
    try:
        params = params_from(args)
        result = run_search(IndexHolder(index_root(index)).get(), params)
    except (ParamError, QueryError) as e:
        raise click.UsageError(str(e)) from None
    except NoIndexError as e:
        click.echo(f"error: {e}; build one with: python -m indexer build SRC_DIR --index ROOT", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.total} documents ({result.took_ms} ms), page {result.page}/{result.pages}")
    for n, hit in enumerate(result.hits, start=(result.page - 1) * result.size + 1):
        meta = " · ".join(x for x in ("、".join(hit.issuer), hit.doc_number or "", hit.date or "") if x)
        click.echo(f"{n:3}. {hit.title}  [{hit.source}]")
        if meta:
            click.echo(f"     {meta}")
        click.echo(f"     {hit.section}: {_TAG_RE.sub('', hit.snippet)}")


def main() -> None:
    run_click(cli, "govlaw-search")
