"""``xxgknb serve``: publish the corpus with Datasette, read-only."""

from __future__ import annotations

import click

from publish.serve import ServeError, serve
from xxgknb.commands.options import db_option


@click.command("serve")
@db_option(help="SQLite corpus (or snapshot) to publish.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on; 0.0.0.0 publishes to the network."
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--archive-root",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory the WARC paths of warc_records are relative to [default: the corpus's directory].",
)
@click.option("--allow-robots", is_flag=True, help="Let search engines crawl the site (blocked by default).")
@click.option(
    "--no-prepare",
    is_flag=True,
    help="Do not touch the file: refuse to start unless schema and search index are current.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
def serve_command(
    db_path: str,
    host: str,
    port: int,
    archive_root: str | None,
    allow_robots: bool,
    no_prepare: bool,
    open_browser: bool,
) -> None:
    """Run Datasette on the corpus: search in Chinese, report pages, codebook, charts.

    The database is opened immutable (nothing can write to it), SQL is time-limited, no
    write plugin may be installed, and robots.txt blocks crawlers unless --allow-robots.
    Before serving, the search index and the publishing views are brought up to date
    (the only write; skip it with --no-prepare).

    Example:

        xxgknb serve --db corpus.db --port 8001
    """
    try:
        serve(
            db_path,
            host=host,
            port=port,
            open_browser=open_browser,
            allow_robots=allow_robots,
            archive_root=archive_root,
            prepare=not no_prepare,
        )
    except ServeError as error:
        raise click.ClickException(str(error)) from error
