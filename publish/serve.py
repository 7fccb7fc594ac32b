"""Run Datasette on a corpus, safe by default: immutable database, time-limited SQL, robots blocked.

Entry points:

* :func:`serve` — blocking, what ``xxgknb serve`` runs;
* :class:`BackgroundServer` — starts the same server in a child process on a free port of
  127.0.0.1 and waits until it answers (tests, ``xxgknb demo``, benchmarks)::

      with BackgroundServer("corpus.db") as server:
          httpx.get(server.url + "/corpus/reports.json")

``python -m publish.serve --db corpus.db --port 8001`` is the child process' command line.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from importlib import metadata as importlib_metadata
from pathlib import Path
from types import ModuleType

import sqlite_utils

from archive import schema, search, summaries
from publish import prepared

DATABASE_NAME = "corpus"
PUBLISH_MIGRATION = "m0003_publish"
#: datasette-render-markdown's name in Datasette's plugin manager (see _drop_markdown_cell_hook).
MARKDOWN_PLUGIN = "render_markdown"
METADATA_PATH = Path(__file__).resolve().parent.parent / "metadata.json"

#: Settings for a large immutable corpus on the public internet.
SETTINGS = {
    "sql_time_limit_ms": 1000,
    # A facet over a huge search result gives up (and says so) instead of holding the page.
    "facet_time_limit_ms": 200,
    # Suggesting facets runs a query per column on every table page: too costly at 1M+ rows.
    "suggest_facets": False,
    "default_facet_size": 35,
    "max_returned_rows": 1000,
    "allow_download": True,
    "allow_csv_stream": True,
    "default_cache_ttl": 3600,
    "num_sql_threads": 4,
    "truncate_cells_html": 400,
}

#: Plugins that can write to a database; serving refuses to start while one is installed.
WRITE_PLUGINS = frozenset({
    "datasette-write",
    "datasette-write-ui",
    "datasette-insert",
    "datasette-edit-schema",
    "datasette-upload-csvs",
    "datasette-upload-dbs",
    "datasette-edit-templates",
    "datasette-configure-fts",
    "datasette-import",
    "datasette-enrichments",
})


class ServeError(Exception):
    """The corpus cannot be served (one line, names the file and the reason)."""


def corpus_problem(db_path: str | Path) -> str | None:
    """Why the corpus cannot be served as it is (read-only check), or ``None`` when it can."""
    path = Path(db_path)
    if not path.is_file():
        return "no such corpus file"
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        return "recent writes are still in the write-ahead log"
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        pending = [migration.name for migration in schema.migrations.pending(sqlite_utils.Database(conn))]
        if PUBLISH_MIGRATION in pending:
            return f"the publishing schema (migration {PUBLISH_MIGRATION}) is not applied"
        if pending:
            return f"the schema is out of date (migration {pending[0]} not applied)"
        searchable = has_search_index(conn)
        if not searchable and schema.has_table(conn, "report_texts"):
            # The numbers-only snapshot has neither texts nor index: served without search.
            return "the search index is missing"
        # Both checks read every report; a record says they passed and nothing changed since.
        checked = prepared.table_counts(path) is not None
        if not checked and searchable and not search.is_current(conn):
            return "the search index is out of date"
        if not checked and not summaries.is_current(conn):
            return "the summary tables are missing or out of date"
        if not summaries.has_page_indexes(conn):
            return "the indexes of the table pages are missing"
        return None
    except sqlite3.DatabaseError as error:
        return f"not a readable SQLite corpus ({error})"
    finally:
        conn.close()


def has_search_index(conn: sqlite3.Connection) -> bool:
    return schema.has_table(conn, search.SEARCH_TABLE) and schema.has_table(conn, search.STATE_TABLE)


def prepare_corpus(db_path: str | Path) -> search.IndexRefresh:
    """Bring the corpus schema, search index and summary tables up to date; writes only when needed."""
    path = Path(db_path)
    problem = corpus_problem(path)
    refresh = search.IndexRefresh(indexed=0, rebuilt=False, stale=0)
    if problem is not None:
        refresh = _bring_up_to_date(path, problem)
    if prepared.table_counts(path) is None:
        try:
            prepared.record(path)
        except OSError as error:
            print(f"{prepared.record_path(path)}: not written ({error.strerror or error}); "
                  f"the next start checks the corpus again", file=sys.stderr)
    return refresh


def _bring_up_to_date(path: Path, problem: str) -> search.IndexRefresh:
    if not path.is_file():
        raise ServeError(f"{path}: {problem}")
    if not os.access(path, os.W_OK):
        raise ServeError(f"{path}: {problem}, and the file is read-only")
    db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA busy_timeout=30000")
        schema.apply(db)
        if has_search_index(db.conn) or schema.has_table(db.conn, "report_texts"):
            refresh = search.refresh_index(db.conn)
        else:  # the numbers-only edition: no texts to index
            refresh = search.IndexRefresh(indexed=0, rebuilt=False, stale=0)
        summaries.refresh_summaries(db.conn)
        # Datasette opens the file immutable and never reads a WAL: everything must be in the file.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return refresh
    finally:
        db.close()


def check_ready(db_path: str | Path) -> None:
    """Raise :class:`ServeError` unless the corpus can be served without writing to it."""
    problem = corpus_problem(db_path)
    if problem is not None:
        raise ServeError(f"{db_path}: {problem} (run `xxgknb serve` without --no-prepare once)")


def installed_write_plugins() -> list[str]:
    names = {dist.metadata["Name"].lower() for dist in importlib_metadata.distributions()}
    return sorted(names & WRITE_PLUGINS)


def load_metadata(*, allow_robots: bool = False, archive_root: str | Path | None = None) -> dict:
    metadata = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
    metadata = copy.deepcopy(metadata)
    plugin = metadata.setdefault("plugins", {}).setdefault("xxgknb", {})
    plugin["database"] = DATABASE_NAME
    plugin["allow_robots"] = allow_robots
    if archive_root is not None:
        plugin["archive_root"] = str(Path(archive_root).resolve())
    return metadata


def make_datasette(db_path: str | Path, *, allow_robots: bool = False, archive_root: str | Path | None = None):
    """A Datasette instance serving ``db_path`` immutable, under the name ``corpus``."""
    from datasette.app import Datasette
    from datasette.database import Database

    path = Path(db_path).resolve()
    # The crawler's layout: corpus.db beside warc/, WARC paths stored relative to that directory.
    archive_root = archive_root if archive_root is not None else path.parent
    metadata = load_metadata(allow_robots=allow_robots, archive_root=archive_root)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        searchable = has_search_index(conn)
    finally:
        conn.close()
    if not searchable:
        metadata["databases"][DATABASE_NAME]["tables"]["reports"].pop("fts_table", None)
    counts = prepared.table_counts(path)
    # Without the counts Datasette counts every table before answering its first request.
    inspect_data = None if counts is None else {DATABASE_NAME: {
        "hash": None, "size": path.stat().st_size, "file": str(path),
        "tables": {name: {"count": count} for name, count in counts.items()},
    }}
    _drop_markdown_cell_hook()
    datasette = Datasette(metadata=metadata, settings=SETTINGS, inspect_data=inspect_data)
    datasette.add_database(Database(datasette, path=str(path), is_mutable=False), name=DATABASE_NAME)
    return datasette


def serve(
    db_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    open_browser: bool = False,
    allow_robots: bool = False,
    archive_root: str | Path | None = None,
    prepare: bool = True,
) -> None:
    """Serve the corpus until interrupted.  ``prepare`` first updates the schema and search index."""
    import uvicorn

    write_plugins = installed_write_plugins()
    if write_plugins:
        raise ServeError(f"refusing to serve: write plugins installed: {', '.join(write_plugins)}")
    if prepare:
        refresh = prepare_corpus(db_path)
        if refresh.indexed or refresh.rebuilt:
            action = "rebuilt" if refresh.rebuilt else "updated"
            print(f"search index {action}: {refresh.indexed} reports indexed", file=sys.stderr)
    else:
        check_ready(db_path)
    datasette = make_datasette(db_path, allow_robots=allow_robots, archive_root=archive_root)
    url = f"http://{host}:{port}/"
    print(f"serving {db_path} read-only at {url}", file=sys.stderr)
    if open_browser:
        webbrowser.open(url)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")


def _drop_markdown_cell_hook() -> None:
    """Keep datasette-render-markdown's template function and filter, drop its ``render_cell`` hook.

    datasette-dashboards needs the plugin for the Markdown of its dashboards.  Its ``render_cell``
    renders columns named ``*_markdown``, which the corpus has none of, but looks up its
    configuration for every cell of every HTML page first: 16–32 % of the CPU of a table page or
    a 1000-row canned query on the 500,000-report corpus.
    """
    from datasette.plugins import pm

    plugin = pm.get_plugin(MARKDOWN_PLUGIN)
    if plugin is None or not hasattr(plugin, "render_cell"):
        return  # not installed, or already replaced
    templates_only = ModuleType(plugin.__name__)  # Datasette lists plugins by module name
    templates_only.extra_template_vars = plugin.extra_template_vars
    templates_only.prepare_jinja2_environment = plugin.prepare_jinja2_environment
    pm.unregister(plugin)
    pm.register(templates_only, name=MARKDOWN_PLUGIN)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class BackgroundServer:
    """``serve`` in a child process on 127.0.0.1; a context manager that stops it on exit."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        port: int | None = None,
        allow_robots: bool = False,
        archive_root: str | Path | None = None,
        prepare: bool = True,
        startup_timeout: float = 60.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.url = f"http://{self.host}:{self.port}"
        self.allow_robots = allow_robots
        self.archive_root = archive_root
        self.prepare = prepare
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._log = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "publish.serve", "--db", str(self.db_path), "--port", str(self.port)]
        if self.allow_robots:
            command.append("--allow-robots")
        if self.archive_root is not None:
            command += ["--archive-root", str(self.archive_root)]
        if not self.prepare:
            command.append("--no-prepare")
        return command

    def start(self) -> BackgroundServer:
        # A file, not a pipe: a chatty server must never block on a pipe nobody reads.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server, closed in stop()
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.log()
                raise ServeError(f"datasette on {self.db_path} exited at start: {error.strip()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/-/versions.json", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ServeError(f"datasette on {self.db_path} did not answer within {self.startup_timeout:.0f}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        """What the server wrote to stderr so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m publish.serve", description=serve.__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--allow-robots", action="store_true")
    parser.add_argument("--archive-root")
    parser.add_argument("--no-prepare", action="store_true")
    args = parser.parse_args(argv)
    try:
        serve(args.db, host=args.host, port=args.port, allow_robots=args.allow_robots,
              archive_root=args.archive_root, prepare=not args.no_prepare)
    except ServeError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
