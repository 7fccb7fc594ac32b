"""The Datasette plugin of the corpus: Chinese search, the report page, archived copies, robots.

Registered through the ``datasette`` entry point group in ``pyproject.toml`` so that it is active
for ``xxgknb serve`` and for a plain ``datasette corpus.db -m metadata.json`` alike, and so that
its templates and static files ship inside the package.

Configuration (``metadata.json`` → ``plugins`` → ``xxgknb``):

* ``database``: name of the corpus database (default ``corpus``);
* ``allow_robots``: ``true`` lets search engines crawl (default: everything is disallowed);
* ``archive_root``: directory holding the WARC files; archived copies are only read below it.

The default facets of ``reports`` (province, year, level, body_kind, template, status) come from
:data:`DEFAULT_FACETS` through ``get_metadata`` rather than from ``metadata.json``, because a
search result is not faceted by default: counting six facets over every match is most of the
time of a search page on a large corpus (``docs/publishing.md``); a researcher adds the facets
wanted on a search (``_facet=province``) and gets exactly those.
"""

from __future__ import annotations

import contextvars
import os
import sqlite3
import weakref
from urllib.parse import parse_qsl, urlencode, urlsplit

import markupsafe
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments
from datasette.utils.asgi import NotFound, Response

from archive.schema import has_table
from archive.search import SEARCH_TABLE, STATE_TABLE, fts_query
from archive.summaries import FACET_COLUMNS
from publish import archived, report_page
from publish.facets import CountedFacet

PLUGIN = "xxgknb"
REPORT_ID_PATTERN = r"[0-9a-f]{16}"
#: Facets of table pages that are not searches, per table of the corpus: counted from the
#: precomputed ``summary_facet_counts`` where possible (``publish.facets``).
DEFAULT_FACETS = {"reports": [{CountedFacet.type: column} for column in FACET_COLUMNS]}
#: Set for the duration of a request that searches (``_search=`` or ``_search_<column>=``).
_searching = contextvars.ContextVar("xxgknb_searching", default=False)

#: A plain search of ``reports`` is answered report by report (see :func:`dense_search`) when
#: its query occurs in a share *s* of the first :data:`DENSE_SEARCH_SAMPLE` reports such that
#: s² × (reports in the corpus) exceeds this.  Collecting every match costs ~5 µs per match, so
#: s × N × 5 µs; walking the table costs ~100 µs per report looked up (a phrase of trigrams up
#: to 156 µs, one token 37 µs, measured at 200,000 reports), and a page of 31 rows needs ~31 / s
#: of them: the walk is cheaper when s² × N > 31 × 100 / 5 ≈ 600, i.e. above a share of 5.5 % at
#: 200,000 reports and 2 % at 1.5 million.  The environment variable lets the tests' small
#: corpus take the walk.
DENSE_SEARCH_BREAK_EVEN = float(os.environ.get("XXGKNB_DENSE_SEARCH_BREAK_EVEN", "600"))
DENSE_SEARCH_SAMPLE = 2000
#: The query-string argument of such a search (it appears in the links of its page).
DENSE_SEARCH = "_dense_search"
#: Arguments that keep a table page's rows in primary-key order with no filter, where a dense
#: search finds its page after a few lookups.
_PLAIN_PAGE_ARGUMENTS = frozenset({
    "_search", "_searchmode", "_next", "_size", "_shape", "_labels", "_extra", "_json", "_col", "_nocol",
    "_nocount", "_nofacet", "_nosuggest", "_trace", "_facet",
})


def plugin_config(datasette) -> dict:
    return datasette.plugin_config(PLUGIN) or {}


#: datasette -> the corpus database's name: looked up for cells of every page, where Datasette's
#: configuration lookup (~0.1 ms) was 15 % of the time of a 1000-row page.
_CORPUS_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def corpus_name(datasette) -> str:
    name = _CORPUS_NAMES.get(datasette)
    if name is None:
        name = _CORPUS_NAMES[datasette] = plugin_config(datasette).get("database", "corpus")
    return name


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette) -> None:
    # trylast: Datasette's own escape_fts is registered by an earlier hook call and must be
    # replaced, but only for databases that carry our bigram index.
    if has_table(conn, STATE_TABLE):
        conn.create_function("escape_fts", 1, fts_query, deterministic=True)


@hookimpl
def register_routes(datasette):
    return [
        (rf"^/-/report/(?P<report_id>{REPORT_ID_PATTERN})$", report_view),
        (rf"^/-/report/(?P<report_id>{REPORT_ID_PATTERN})/archived$", archived_view),
        (r"^/robots\.txt$", robots_view),
    ]


async def report_view(datasette, request):
    db = datasette.get_database(corpus_name(datasette))
    report_id = request.url_vars["report_id"]
    context = await db.execute_fn(lambda conn: report_page.load(conn, report_id))
    if context is None:
        raise NotFound(f"No report with id {report_id}")
    context["archived"] = await db.execute_fn(
        lambda conn: archived.locate(conn, report_id, plugin_config(datasette).get("archive_root"))
    )
    context["original_url_is_link"] = urlsplit(context["report"]["url"] or "").scheme in ("http", "https")
    context["database"] = db.name
    return Response.html(
        await datasette.render_template("xxgknb_report.html", context, request=request),
        headers=_safety_headers(),
    )


async def archived_view(datasette, request):
    db = datasette.get_database(corpus_name(datasette))
    report_id = request.url_vars["report_id"]
    archive_root = plugin_config(datasette).get("archive_root")
    copy = await db.execute_fn(lambda conn: archived.locate(conn, report_id, archive_root))
    if copy is None or not copy.available:
        reason = copy.reason if copy else f"no report with id {report_id}"
        return Response.text(reason + "\n", status=404, headers=_safety_headers())
    body = archived.read_bytes(copy, archive_root)
    return Response(
        body,
        content_type=archived.safe_content_type(copy),
        headers={
            **_safety_headers(),
            # Report content is untrusted: never let a browser run or render it as a page.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": archived.content_disposition(copy, report_id),
        },
    )


async def robots_view(datasette, request):
    if plugin_config(datasette).get("allow_robots"):
        body = "User-agent: *\nDisallow: /*.db\nDisallow: /*?sql=\n"
    else:
        body = "User-agent: *\nDisallow: /\n"
    return Response.text(body)


def _safety_headers() -> dict[str, str]:
    # X-Content-Type-Options: nosniff is added to every response by asgi_wrapper.
    return {"Referrer-Policy": "no-referrer"}


@hookimpl
def register_facet_classes():
    return [CountedFacet]


@hookimpl
def get_metadata(datasette, key, database, table):
    # Not plugin_config(): it reads metadata, which calls this hook again.
    if _searching.get() or key not in (None, "databases"):
        # The facets are read under key "databases" (Datasette's table_metadata).  Datasette merges
        # what this returns into metadata.json on every lookup, including each plugin's
        # configuration for every cell of an HTML page: 30 % of the time of a 1000-row page.
        return {}
    tables = {name: {"facets": facets} for name, facets in DEFAULT_FACETS.items()}
    return {"databases": {"corpus": {"tables": tables}}}


def _is_search(query_string: bytes) -> bool:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=False)
    return any((key.startswith("_search") and key != "_searchmode") or key == DENSE_SEARCH for key, _ in pairs)


def _reports_path(datasette) -> str:
    return datasette.urls.table(corpus_name(datasette), "reports")


async def dense_search(datasette, path: str, query_string: bytes) -> bytes:
    """Rewrite a plain search of ``reports`` for a frequent string into a report-by-report search.

    Datasette answers ``?_search=`` with ``rowid in (select rowid from reports_fts where … match …)``:
    SQLite collects every match before returning the first row of a page, and counts them all
    again for its total: seconds at a million reports for a word that most reports contain.  The
    same condition written ``exists (… match … and rowid = reports.rowid)`` lets SQLite walk the
    table in page order and ask the index about one report at a time, stopping when the page is
    full: ~30 / share lookups.  This samples the first :data:`DENSE_SEARCH_SAMPLE` reports; when
    the share of them the query matches makes the walk the cheaper way
    (:data:`DENSE_SEARCH_BREAK_EVEN`), ``_search`` becomes ``_dense_search`` (that clause,
    :func:`filters_from_request`) with ``_nocount=1``: the rows are exactly the same, but the page
    gives no total (counting would look at every report).  Rarer strings, and searches with
    filters or a sort, keep Datasette's own clause and total.
    """
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if any(key == DENSE_SEARCH for key, _ in pairs):
        # A link of a dense search's page (next page, JSON, sort …): back to the search it stands for.
        pairs = [("_search", value) if key == DENSE_SEARCH else (key, value) for key, value in pairs
                 if key != "_nocount"]
        query_string = urlencode(pairs).encode()
    if path.removesuffix(".json") != datasette.urls.table(corpus_name(datasette), "reports"):
        return query_string
    keys = [key for key, _ in pairs]
    if "_search" not in keys or keys.count("_search") > 1 or not set(keys) <= _PLAIN_PAGE_ARGUMENTS:
        return query_string
    query = dict(pairs)["_search"]
    match = ":search" if dict(pairs).get("_searchmode") == "raw" else "escape_fts(:search)"
    db = datasette.get_database(corpus_name(datasette))
    try:
        sample = await db.execute(
            f"with sample as (select rowid from reports order by rowid limit {DENSE_SEARCH_SAMPLE}) "
            f"select (select count(*) from sample), (select count(*) from {SEARCH_TABLE} where {SEARCH_TABLE} "
            f"match {match} and rowid <= (select max(rowid) from sample)), (select max(rowid) from reports)",
            {"search": query},
        )
    except (QueryInterrupted, sqlite3.DatabaseError):
        return query_string  # Datasette reports the time limit or the bad FTS query itself
    sampled, matched, reports = sample.first()
    if not matched or (matched / sampled) ** 2 * reports <= DENSE_SEARCH_BREAK_EVEN:
        return query_string
    dense = [(DENSE_SEARCH, value) if key == "_search" else (key, value) for key, value in pairs if key != "_nocount"]
    return urlencode([*dense, ("_nocount", "1")]).encode()


@hookimpl
def filters_from_request(request, database, table, datasette):
    """The where clause of a search rewritten by :func:`dense_search`."""
    query = request.args.get(DENSE_SEARCH)
    if query is None or table != "reports" or database != corpus_name(datasette):
        return None
    match = ":dense_search" if request.args.get("_searchmode") == "raw" else "escape_fts(:dense_search)"
    clause = (f"exists (select 1 from {SEARCH_TABLE} where {SEARCH_TABLE} match {match} "
              f"and {SEARCH_TABLE}.rowid = reports.rowid)")
    return FilterArguments(
        [clause], {"dense_search": query}, [f'search matches "{query}"'], {"search": query, "supports_search": True}
    )


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def add_headers(scope, receive, send):
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            query_string = scope.get("query_string", b"")
            if b"search" in query_string:
                scope = {**scope, "query_string": await dense_search(datasette, scope["path"], query_string)}
            _searching.set(_is_search(scope.get("query_string", b"")))
            robots_allowed = bool(plugin_config(datasette).get("allow_robots"))

            async def send_with_headers(event):
                if event["type"] == "http.response.start":
                    headers = list(event.get("headers", []))
                    headers.append((b"x-content-type-options", b"nosniff"))
                    if not robots_allowed:
                        headers.append((b"x-robots-tag", b"noindex, nofollow"))
                    event = {**event, "headers": headers}
                await send(event)

            await app(scope, receive, send_with_headers)

        return add_headers

    return wrap


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Link report ids and titles to the report page."""
    # Called for every cell of every page: test the cheap condition first.
    if column not in ("report_id", "duplicate_of", "title") or database != corpus_name(datasette):
        return None
    report_id, label = None, None
    if column == "report_id" or (column == "duplicate_of" and table == "reports"):
        if isinstance(value, dict):
            report_id, label = value.get("value"), value.get("label")
        else:
            report_id = value
    elif column == "title" and row is not None:
        keys = row.keys() if hasattr(row, "keys") else []
        source = "id" if table == "reports" else "report_id"
        if source in keys and value is not None:
            report_id, label = row[source], value
    if not isinstance(report_id, str) or not _is_report_id(report_id):
        return None
    return markupsafe.Markup('<a href="{}">{}</a>').format(
        datasette.urls.path(f"/-/report/{report_id}"), label if label is not None else report_id
    )


def _is_report_id(value: str) -> bool:
    return len(value) == 16 and all(char in "0123456789abcdef" for char in value)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return [datasette.urls.static_plugins("xxgknb", "xxgknb.css")]

