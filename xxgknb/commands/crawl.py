"""``xxgknb crawl`` and ``xxgknb portals``: crawl portals into the WARC archive, list the registry.

Scrapy runs in this process (``CrawlerProcess``), one crawler per portal side by side, because
the command then owns progress output, exit status and the build that follows, and ``--all`` needs
no process management.  The price is that Twisted's reactor cannot be restarted: one crawl per
process, which is why tests run ``xxgknb crawl`` as a subprocess.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

DEFAULT_DATA = Path("data")


def crawl_settings(data_dir: Path, *, polite: bool = True, extra: dict | None = None):
    from scrapy.settings import Settings

    from spiders import settings as crawler_settings

    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.set("XXGKNB_DATA_DIR", str(data_dir), priority="cmdline")
    if not polite:
        settings.setdict(crawler_settings.politeness_off(), priority="cmdline")
    settings.setdict(extra or {}, priority="cmdline")
    return settings


def run_crawl(
    targets: list[dict],
    data_dir: Path,
    *,
    polite: bool = True,
    log_level: str = "INFO",
    extra_settings: dict | None = None,
    redis_url: str | None = None,
) -> str:
    """Crawl every target (spider keyword arguments: ``portal=`` or ``start_url=`` …) in this process;
    returns the crawl id.  With ``redis_url`` the crawl is shared with every other process started
    with the same Redis (:mod:`spiders.distributed`)."""
    from scrapy.crawler import CrawlerProcess

    from spiders.portal import PortalSpider

    crawl_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if redis_url:
        from spiders.distributed import join_crawl, redis_settings

        crawl_id = join_crawl(redis_url, crawl_id)
        extra_settings = {**redis_settings(redis_url), **(extra_settings or {})}
    settings = crawl_settings(data_dir, polite=polite, extra={"LOG_LEVEL": "WARNING", **(extra_settings or {})})
    process = CrawlerProcess(settings)
    logging.getLogger("xxgknb.crawl").setLevel(log_level)
    for target in targets:
        process.crawl(PortalSpider, crawl_id=crawl_id, **target)
    process.start()
    return crawl_id


def crawl_summary(data_dir: Path, crawl_id: str) -> list[dict]:
    from archive.crawlstate import CrawlState

    state = CrawlState(data_dir)
    return list(state.db.query("SELECT * FROM crawls WHERE crawl_id = ? ORDER BY portal_id", [crawl_id]))


def echo_summary(rows: list[dict]) -> None:
    click.echo(
        f"{'portal':<40} {'pages':>6} {'304':>5} {'reports':>7} {'new':>5} {'chg':>5} {'gone':>5} {'fail':>5}  status"
    )
    for row in rows:
        failures = sum(v for k, v in row.items() if k.startswith("failures_") and v)
        status = row["finish_reason"] or "killed?"
        if row["blocked"]:
            status += f", blocked {row['blocked_hosts']}"
        elif not row["complete"]:
            status += ", incomplete"
        click.echo(
            f"{row['portal_id']:<40} {row['pages_fetched']:>6} {row['not_modified']:>5} {row['reports_found']:>7} "
            f"{row['new_reports']:>5} {row['changed_reports']:>5} {row['gone_reports']:>5} {failures:>5}  {status}"
        )


@click.command("crawl")
@click.option("--url", "urls", multiple=True, help="Start URL of a portal not in the registry (CMS detected).")
@click.option("--portal", "portal_ids", multiple=True, help="Registry id of a portal (repeatable).")
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every portal of the registry.")
@click.option(
    "--id",
    "adhoc_ids",
    multiple=True,
    help="Id to file each --url portal under, in order (one id for many URLs: id_0, id_1 …).",
)
@click.option("--cms", default=None, help="CMS hint for --url (trs, hanweb, gkmlpt, vsb, generic).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="6-digit division code of each --url portal, in order (one code for all): settles shared place names.",
)
@click.option(
    "--data",
    "data_dir",
    default=DEFAULT_DATA,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory: WARC files and corpus.db.",
)
@click.option(
    "--no-politeness",
    is_flag=True,
    help="No delays, no AutoThrottle, 8 connections per host: only for your own test servers.",
)
@click.option("--no-build", is_flag=True, help="Only crawl; do not build the corpus afterwards.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parser processes for the build.")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary.")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Share the crawl with every process started with this Redis (redis://host:6379/0): one "
                   "request queue and duplicate filter per portal, so N machines fetch each URL once.")
def crawl_command(urls, portal_ids, crawl_all, adhoc_ids, cms, regions, data_dir, no_politeness, no_build, jobs, quiet,
                  redis_url):
    """Crawl portals: find the 年报 column, walk its lists, archive every response as WARC.

    A second run re-fetches list pages (conditionally) and only what changed; a run killed at
    any moment continues where it stopped.  Unless --no-build, the corpus is built afterwards.

    Example:

        xxgknb crawl --portal 110000_beijing
        xxgknb crawl --url http://127.0.0.1:8000/trs-city/index.html --no-politeness
    """
    from spiders.registry import RegistryError
    from spiders.registry import load as load_registry

    targets: list[dict] = []
    try:
        registry = load_registry() if (portal_ids or crawl_all) else {}
    except RegistryError as exc:
        raise click.ClickException(f"the portal registry is invalid:\n{exc}") from exc
    for portal_id in portal_ids:
        if portal_id not in registry:
            raise click.ClickException(f"portal {portal_id!r} is not in the registry (see `xxgknb portals`)")
        targets.append({"portal": portal_id})
    if crawl_all:
        targets.extend({"portal": portal_id} for portal_id in registry if {"portal": portal_id} not in targets)
    if adhoc_ids and len(adhoc_ids) not in (1, len(urls)):
        raise click.UsageError(f"{len(adhoc_ids)} --id for {len(urls)} --url: give one id, or one per URL")
    if regions and len(regions) not in (1, len(urls)):
        raise click.UsageError(f"{len(regions)} --region for {len(urls)} --url: give one code, or one per URL")
    for code in regions:
        if not re.fullmatch(r"\d{6}", code):
            raise click.UsageError(f"--region {code}: not a 6-digit division code")
    for index, url in enumerate(urls):
        if not url.startswith(("http://", "https://")):
            raise click.ClickException(f"--url {url}: not an http(s) URL")
        target = {"start_url": url, "cms": cms}
        if regions:
            target["region_code"] = regions[index] if len(regions) == len(urls) else regions[0]
        if len(adhoc_ids) == len(urls):
            target["portal_id"] = adhoc_ids[index]
        elif adhoc_ids:
            target["portal_id"] = adhoc_ids[0] if len(urls) == 1 else f"{adhoc_ids[0]}_{index}"
        targets.append(target)
    if not targets:
        raise click.UsageError("name what to crawl: --url URL, --portal ID or --all")
    data_dir.mkdir(parents=True, exist_ok=True)
    click.echo(
        f"Crawling {len(targets)} portal(s) into {data_dir}/warc" + (" (politeness OFF)" if no_politeness else ""),
        err=True,
    )
    crawl_id = run_crawl(targets, data_dir, polite=not no_politeness, log_level="WARNING" if quiet else "INFO",
                         redis_url=redis_url)
    echo_summary(crawl_summary(data_dir, crawl_id))
    if not no_build:
        from xxgknb.commands.build import run_build

        run_build(data_dir, jobs=jobs, quiet=quiet)


@click.command("portals")
@click.option("--check", is_flag=True, help="Only validate the registry; exit 1 on any problem.")
def portals_command(check: bool) -> None:
    """List the portal registry (spiders/portals/*.toml), validating every entry.

    Example:

        xxgknb portals --check
    """
    from spiders.registry import RegistryError
    from spiders.registry import load as load_registry

    try:
        registry = load_registry()
    except RegistryError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if check:
        click.echo(f"{len(registry)} portals, all valid")
        return
    for portal in registry.values():
        click.echo(
            f"{portal.id:<32} {portal.level or '':<22} {portal.cms or 'detect':<8} {portal.name}  {portal.start_url}"
        )
    click.echo(f"{len(registry)} portals", err=True)
