"""``xxgknb sample-portal``: serve the bundled imitation portals on loopback until Ctrl-C."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import click


@click.command("sample-portal")
@click.option("--port", default=0, show_default=True, help="Port to listen on (0 = any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated reports.")
@click.option("--faults", is_flag=True, help="Also serve the fault-injection site (issue 7).")
@click.option("--multi-host", is_flag=True, help="One loopback address per site (127.0.0.11, .12, …).")
@click.option("--crawl-delay", default=2.0, show_default=True, help="Crawl-delay announced in robots.txt.")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the manifest (every report with its expected numbers) to this JSON file.",
)
def sample_portal_command(port, host, seed, faults, multi_host, crawl_delay, manifest_path) -> None:
    """Serve the sample portal: several imitation government sites with known annual reports."""
    from xxgknb.sample_portal import SamplePortal

    portal = SamplePortal(port, host=host, seed=seed, faults=faults, multi_host=multi_host, crawl_delay=crawl_delay)
    portal.start()
    try:
        manifest = portal.manifest
        click.echo(
            f"Sample portal at {portal.base_url}  ({len(manifest['reports'])} reports, "
            f"{len(manifest['lookalikes'])} look-alikes, {len(manifest['faults'])} faults)"
        )
        for site in portal.sites:
            click.echo(f"  {site['id']:<10} {site['archetype']}  {site['start_url']}  {site['name']}")
        if manifest_path is not None:
            manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            click.echo(f"Manifest written to {manifest_path}")
        click.echo("Press Ctrl-C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        portal.stop()
