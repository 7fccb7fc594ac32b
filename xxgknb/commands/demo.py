"""``xxgknb demo``: the whole job on the bundled sample portal, in one command.

Starts the sample portal on loopback, crawls every site of it (``xxgknb crawl`` in a child
process, so Twisted's reactor and Datasette's event loop never share a process), builds the
corpus from the WARC files, and serves it with Datasette.  Politeness delays are off for the
crawl: the only server it talks to is the one this command started.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--data",
    "data_dir",
    default=Path("data/demo"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo's WARC files and corpus go.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Datasette port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Datasette interface.")
@click.option("--seed", default=0, show_default=True, help="Seed of the sample portal's generated reports.")
@click.option(
    "--portal-port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the sample portal; a fixed port keeps URLs stable, so a second demo crawls incrementally.",
)
@click.option("--no-serve", is_flag=True, help="Stop after building the corpus (for tests and scripts).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parser processes for the build.")
def demo_command(
    data_dir: Path, port: int, host: str, seed: int, portal_port: int, no_serve: bool, jobs: int | None
) -> None:
    """Start the sample portal, crawl it, build the corpus and serve it with Datasette.

    Running it again crawls incrementally: only list pages are fetched again.

    Example:

        xxgknb demo            # then open the URL printed at the end
    """
    from xxgknb.commands.build import run_build
    from xxgknb.sample_portal import SamplePortal

    started = time.monotonic()
    portal = SamplePortal(port=portal_port, seed=seed)
    try:
        portal.start()
    except OSError:
        click.echo(f"      port {portal_port} is busy; the sample portal takes a free port (URLs will differ)")
        portal = SamplePortal(port=0, seed=seed)
        portal.start()
    try:
        manifest = portal.manifest
        click.echo(
            f"[1/4] Sample portal at {portal.base_url}: {len(portal.sites)} sites, "
            f"{len(manifest['reports'])} reports, {len(manifest['lookalikes'])} look-alikes"
        )
        for site in portal.sites:
            click.echo(f"      {site['id']:<10} archetype {site['archetype']}  {site['start_url']}")
        click.echo(f"[2/4] Crawling every site into {data_dir}/warc (robots.txt obeyed, delays off: local server)")
        command = [
            sys.executable,
            "-c",
            "from xxgknb.cli import cli; cli()",
            "crawl",
            "--no-politeness",
            "--no-build",
            "--data",
            str(data_dir),
        ]
        for site in portal.sites:
            command += ["--url", site["start_url"], "--region", site["region_code"]]
        command += ["--id", "sample"]
        if subprocess.run(command).returncode != 0:
            raise click.ClickException("the crawl failed (see above)")
    finally:
        portal.stop()
    click.echo(f"[3/4] Building the corpus from the WARC files into {data_dir}/corpus.db")
    summary = run_build(data_dir, jobs=jobs, quiet=True)
    db_path = data_dir / "corpus.db"
    elapsed = time.monotonic() - started
    if no_serve:
        click.echo(f"[4/4] Done in {elapsed:.0f}s. Serve it with:  xxgknb serve --db {db_path}")
        return
    from publish.serve import ServeError, serve

    url = f"http://{host}:{port}/"
    click.echo(
        f"[4/4] Corpus ready in {elapsed:.0f}s ({summary.actions.get('new', 0)} new reports). "
        f"Serving with Datasette at {url}  (Ctrl-C to stop)"
    )
    try:
        serve(db_path, host=host, port=port)
    except ServeError as error:
        raise click.ClickException(str(error)) from error
