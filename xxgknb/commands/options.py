"""Click options shared by the commands that parse documents in the worker pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from archive.parallel import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT

F = TypeVar("F", bound=Callable[..., object])


def parse_pool_options(command: F) -> F:
    """``--jobs``, ``--time-limit`` and ``--memory-limit``: the bounds of the parser processes."""
    for option in reversed(
        (
            click.option(
                "--jobs",
                "-j",
                type=click.IntRange(min=1),
                default=None,
                help="Worker processes parsing in parallel [default: number of cores].",
            ),
            click.option(
                "--time-limit",
                type=click.FloatRange(min=0, min_open=True),
                default=DEFAULT_TIME_LIMIT,
                show_default=True,
                help="Seconds one document may take before its parser is stopped.",
            ),
            click.option(
                "--memory-limit",
                type=click.IntRange(min=64),
                default=DEFAULT_MEMORY_LIMIT_MB,
                show_default=True,
                help="Address space of one parser process, in MB.",
            ),
        )
    ):
        command = option(command)
    return command


def db_option(help: str) -> Callable[[F], F]:
    """``--db``: the SQLite corpus a command works on."""
    return click.option(
        "--db", "db_path", default="corpus.db", show_default=True, type=click.Path(dir_okay=False), help=help
    )
