"""The ``xxgknb`` command line: a thin layer over ``archive``, ``spiders`` and ``publish``.

It lives in its own package because it is the one place that composes all three layers;
``archive`` must not import the crawler, and the crawler must not own the corpus.
Each command is a module in ``xxgknb.commands``, imported only when that command runs, so
``xxgknb import`` does not pay for loading Scrapy or Datasette.
"""

from __future__ import annotations

import importlib

import click

from xxgknb.allocator import use_mimalloc

#: command name -> "module:attribute" of its click command
COMMANDS = {
    "import": "xxgknb.commands.import_:import_command",
    "build": "xxgknb.commands.build:build_command",
    "crawl": "xxgknb.commands.crawl:crawl_command",
    "portals": "xxgknb.commands.crawl:portals_command",
    "sample-portal": "xxgknb.commands.sample_portal:sample_portal_command",
    "demo": "xxgknb.commands.demo:demo_command",
    "serve": "xxgknb.commands.serve:serve_command",
    "snapshot": "xxgknb.commands.snapshot:snapshot_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="xxgknb")
def cli() -> None:
    """xxgknb: the open corpus of China's 政府信息公开工作年度报告.

    Crawl government portals into a WARC archive, parse every annual report into the
    canonical tables, and publish the corpus with Datasette.
    """


def main() -> None:
    """The ``xxgknb`` console script: :func:`cli`, on mimalloc when the machine has it (:mod:`xxgknb.allocator`)."""
    use_mimalloc()
    cli()


if __name__ == "__main__":
    main()
