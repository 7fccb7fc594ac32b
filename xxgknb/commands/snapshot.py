"""``xxgknb snapshot``: a dated, immutable copy of the corpus for download and citation."""

from __future__ import annotations

import click

from archive.snapshot import SnapshotError, make_snapshot
from xxgknb.commands.options import db_option


@click.command("snapshot")
@db_option(help="SQLite corpus to snapshot.")
@click.option(
    "--out",
    "out_dir",
    default="snapshots",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory holding the dated snapshot directories.",
)
def snapshot_command(db_path: str, out_dir: str) -> None:
    """Write a dated snapshot: the full database, a numbers-only edition, CSV, changelog, sha256.

    The new directory OUT/YYYY-MM-DD/ holds corpus-YYYY-MM-DD.db (the whole corpus with
    its search index), corpus-YYYY-MM-DD-numbers.db (without full texts), csv/ (the
    canonical tables), changelog.md and changes.csv (reports added, changed, re-parsed
    and removed since the previous snapshot in OUT), a .sha256 file per database and
    SHA256SUMS.  Files are read-only; serve one with `xxgknb serve --db`.

    Example:

        xxgknb snapshot --db corpus.db --out snapshots/
    """
    try:
        snapshot = make_snapshot(db_path, out_dir)
    except SnapshotError as error:
        raise click.ClickException(str(error)) from error
    changes = snapshot.changes
    click.echo(
        f"{snapshot.directory}: {snapshot.reports} reports; since "
        f"{changes.previous or 'nothing (first snapshot)'}: {len(changes.added)} added, "
        f"{len(changes.changed)} changed, {len(changes.reparsed)} re-parsed, {len(changes.removed)} removed"
    )
    click.echo(f"{snapshot.full.name}  sha256 {snapshot.files[snapshot.full.name]}")
    click.echo(f"{snapshot.numbers.name}  sha256 {snapshot.files[snapshot.numbers.name]}")
