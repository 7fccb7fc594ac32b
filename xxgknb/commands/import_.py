"""``xxgknb import``: parse report files from disk into the corpus."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from archive import corpus, importer
from archive.parallel import default_workers
from xxgknb.commands.options import db_option, parse_pool_options


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@db_option(help="SQLite corpus to write (created if missing).")
@parse_pool_options
def import_command(
    paths: tuple[str, ...], db_path: str, jobs: int | None, time_limit: float, memory_limit: int
) -> None:
    """Parse annual reports saved as files (HTML, text, PDF, DOCX, …) into the corpus.

    PATHS are files or directories (walked recursively).  Each file is stored under the
    file:// URL of its absolute path.  Running the command again on the same files changes
    nothing; a file whose bytes changed becomes a new version of its report.

    Example:

        xxgknb import reports/ --db corpus.db
    """
    files = importer.find_files(paths, corpus_path=db_path)
    Path(db_path).absolute().parent.mkdir(parents=True, exist_ok=True)
    try:
        db = corpus.open_corpus(db_path)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{db_path}: cannot open as a corpus: {exc}") from exc
    workers = jobs or default_workers()
    click.echo(f"Importing {len(files)} files into {db_path} with {workers} worker(s)", err=True)
    done: list[importer.FileOutcome] = []
    try:
        with click.progressbar(length=len(files), label="Parsing", file=sys.stderr) as bar:

            def advance(outcome: importer.FileOutcome) -> None:
                done.append(outcome)
                bar.update(1)

            summary = importer.import_files(
                db, files, workers=workers, time_limit=time_limit, memory_limit_mb=memory_limit, on_outcome=advance
            )
    except KeyboardInterrupt:
        click.echo(
            f"\nInterrupted: {len(done)} of {len(files)} files stored in {db_path}; "
            "run the same command again to finish.",
            err=True,
        )
        sys.exit(130)
    except sqlite3.OperationalError as exc:  # locked by another writer beyond the busy timeout, disk full, …
        stored = f"{len(done)} of {len(files)} files stored"
        raise click.ClickException(f"{db_path}: {exc}; {stored}, run the same command again to finish") from exc
    finally:
        db.close()
    _print_summary(summary, db_path)


def _print_summary(summary: importer.ImportSummary, db_path: str) -> None:
    parsed = summary.count_parsed()
    actions = summary.count_actions()
    rate = len(summary.outcomes) / summary.seconds if summary.seconds else 0.0
    click.echo(f"{len(summary.outcomes)} files in {summary.seconds:.1f} s ({rate:.1f} files/s) -> {db_path}")
    click.echo(f"  parsed fully:  {parsed['fully']}")
    click.echo(f"  parsed partly: {parsed['partly']}")
    click.echo(f"  not parsed:    {parsed['not at all']}")
    click.echo(
        "  "
        + ", ".join(
            f"{name}: {actions[name]}"
            for name in (corpus.Action.NEW, corpus.Action.UPDATED, corpus.Action.REPARSED, corpus.Action.UNCHANGED)
        )
    )
    outcomes = sorted(summary.outcomes, key=lambda o: o.path)
    partly = [o for o in outcomes if o.parsed == "partly"]
    failed = [o for o in outcomes if o.parsed == "not at all"]
    if partly:
        click.echo("Parsed partly:")
        for outcome in partly:
            click.echo(f"  {outcome.path}: {outcome.status}: {outcome.reason}")
    if failed:
        click.echo("Not parsed:")
        for outcome in failed:
            click.echo(f"  {outcome.path}: {outcome.status}: {outcome.reason}")
