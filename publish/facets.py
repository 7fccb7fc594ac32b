"""Facets of the reports table page read from precomputed counts where they can be.

A facet over a million reports (``select province, count(*) … group by province``) walks an
index entry per report: a second or more, past Datasette's facet time limit, so the page would
show "facet timed out" for the six default facets.  ``archive.summaries`` precomputes each
default facet's counts over all reports and under every single ``column=value`` filter on one of
those columns (``summary_facet_counts``); :class:`CountedFacet` (facet type ``counted``, the type
of the default facets, see ``publish.plugin.DEFAULT_FACETS``) reads them when the page's only
filter is such an equality, and counts like Datasette's column facet otherwise (searches, several
filters, ``_where``…).  A facet added with ``_facet=`` is Datasette's own.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import path_with_added_args, path_with_removed_args

from archive.schema import has_table
from archive.summaries import FACET_COLUMNS, FACET_TABLE

#: Arguments that change neither the rows a page is about nor how they are counted.
_NEUTRAL_ARGUMENTS = frozenset({
    "_facet", "_facet_size", "_size", "_next", "_sort", "_sort_desc", "_nocount", "_nofacet", "_nosuggest",
    "_labels", "_shape", "_json", "_col", "_nocol", "_extra", "_trace", "_stream", "_dl",
})


def precomputed_filter(query_string: str) -> tuple[str, str] | None:
    """``('', '')`` for no filter, ``(column, value)`` for one equality on a facet column, else None."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    filters = [(key, value) for key, value in pairs if not key.startswith("_") or "__" in key]
    special = {key for key, _ in pairs if key.startswith("_") and "__" not in key}
    if any(key not in _NEUTRAL_ARGUMENTS and not key.startswith("_facet_") for key in special):
        return None
    if not filters:
        return "", ""
    if len(filters) == 1:
        column, value = filters[0]
        column = column.removesuffix("__exact")
        if column in FACET_COLUMNS and "__" not in column:
            return column, value
    return None


class CountedFacet(ColumnFacet):
    type = "counted"

    async def suggest(self):
        return []

    async def facet_results(self):
        where = precomputed_filter(self.request.query_string) if self.table == "reports" else None
        if where is None or not await self._has_counts():
            return await super().facet_results()
        facet_results, facets_timed_out = [], []
        qs_pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            if column not in FACET_COLUMNS:
                continue
            try:
                rows = await self.ds.execute(
                    self.database,
                    f"select value, count from {FACET_TABLE} where filter_column = :column and filter_value = :value "
                    f"and facet_column = :facet order by count desc, value limit {facet_size + 1}",
                    {"column": where[0], "value": where[1], "facet": column},
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                facets_timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:facet_size]:
                selected = (column, str(row["value"])) in qs_pairs
                toggle_path = (path_with_removed_args(self.request, {column: str(row["value"])}) if selected
                               else path_with_added_args(self.request, {column: row["value"]}))
                values.append({
                    "value": row["value"],
                    "label": row["value"],
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
                    "selected": selected,
                })
            facet_results.append({
                "name": column,
                "type": self.type,
                "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values,
                "truncated": len(rows.rows) > facet_size,
            })
        return facet_results, facets_timed_out

    async def _has_counts(self) -> bool:
        return await self.ds.get_database(self.database).execute_fn(lambda conn: has_table(conn, FACET_TABLE))
