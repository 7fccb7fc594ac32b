"""``xxgknb build``: rebuild the corpus from the WARC archive (no network)."""

from __future__ import annotations

from pathlib import Path

import click

from archive.parallel import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT
from xxgknb.allocator import allocator_in_use
from xxgknb.commands.options import parse_pool_options


def run_build(
    data_dir: Path,
    *,
    jobs: int | None = None,
    quiet: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int = DEFAULT_MEMORY_LIMIT_MB,
):
    from archive.build import build

    def show(outcome) -> None:
        if not quiet:
            what = f"report v{outcome.version}" if outcome.stored_as == "report" else "rejected"
            click.echo(
                f"  {outcome.action:<9} {what:<11} {outcome.status:<16} {outcome.url}  {outcome.detail[:80]}", err=True
            )

    click.echo(f"Building {data_dir}/corpus.db from {data_dir}/warc", err=True)
    summary = build(data_dir, workers=jobs, time_limit=time_limit, memory_limit_mb=memory_limit, on_outcome=show)
    for message in summary.warc_messages:
        click.echo(f"  archive: {message}", err=True)
    phases = ", ".join(f"{phase} {seconds:.1f}s" for phase, seconds in summary.phase_seconds.items())
    actions = ", ".join(f"{count} {action}" for action, count in sorted(summary.actions.items())) or "nothing new"
    click.echo(
        f"Built corpus: {summary.candidates} archived documents considered, {summary.parsed} parsed: {actions}; "
        f"{summary.gone} marked gone ({summary.seconds:.1f}s: {phases}; "
        f"CPU {summary.parent_cpu_seconds:.1f}s in this process, "
        f"{summary.worker_cpu_seconds:.1f}s in the parse workers; malloc: {allocator_in_use()})"
    )
    return summary


@click.command("build")
@click.option(
    "--data",
    "data_dir",
    default=Path("data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory holding warc/ and corpus.db.",
)
@parse_pool_options
@click.option("--quiet", "-q", is_flag=True, help="Only the summary.")
def build_command(data_dir: Path, jobs: int | None, time_limit: float, memory_limit: int, quiet: bool) -> None:
    """Build (or bring up to date) the corpus from the WARC files alone: no network.

    Idempotent: documents already stored with the same bytes are skipped; changed bytes become a
    new version; reports no longer linked after a complete crawl are marked gone.  Delete
    corpus.db and run it again to rebuild everything with the current parser.

    Example:

        xxgknb build --data data
    """
    if not (data_dir / "warc").is_dir():
        raise click.ClickException(f"{data_dir}/warc: no WARC archive here (run `xxgknb crawl` first)")
    run_build(data_dir, jobs=jobs, quiet=quiet, time_limit=time_limit, memory_limit=memory_limit)
