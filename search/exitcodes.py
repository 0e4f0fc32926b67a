"""Exit codes every command line of govlaw shares, and the wrappers that give a wrong command line its own code.

A wrong command line exits 64 (EX_USAGE of sysexits.h) in every command (click's and argparse's own code, 2,
is the `indexer` commands' "another run holds the lock").
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

import click

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_LOCKED = 2
EXIT_REFUSED = 3
EXIT_USAGE = 64


def run_click(command: click.Command, prog_name: str) -> NoReturn:
    """Run a click command line as its console script, with exit code 64 for a usage error."""
    try:
        command.main(prog_name=prog_name, standalone_mode=False)
    except click.UsageError as e:
        e.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_OK)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with exit code 64 for a wrong command line."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")
