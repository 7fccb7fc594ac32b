"""What each HTML cell costs: one ``render_cell`` hook (the corpus's), configuration lookups that skip the facets."""

from __future__ import annotations

import asyncio

from datasette.plugins import pm

from publish.plugin import DEFAULT_FACETS
from publish.serve import make_datasette


def test_only_the_corpus_plugin_renders_cells_and_dashboards_keep_markdown(known_corpus):
    path, _ = known_corpus
    datasette = make_datasette(path)
    make_datasette(path)  # a second instance in the same process changes nothing more
    assert [hook.plugin_name for hook in pm.hook.render_cell.get_hookimpls()] == ["xxgknb"]
    template_vars = {}
    for extra in pm.hook.extra_template_vars(template="dashboard_view.html", database=None, table=None,
                                             columns=None, view_name="page", request=None, datasette=datasette):
        if isinstance(extra, dict):
            template_vars.update(extra)
    assert "<strong>年度</strong>" in template_vars["render_markdown"]("**年度**")

    async def pages():
        await datasette.invoke_startup()
        return (await datasette.client.get("/corpus/carry_over_breaks.json?_shape=array"),
                await datasette.client.get("/corpus/carry_over_breaks"),
                await datasette.client.get("/-/dashboards/overview"))

    rows, canned, dashboard = asyncio.run(pages())
    assert rows.json() and canned.status_code == 200
    assert all(f'href="/-/report/{row["report_id"]}"' in canned.text for row in rows.json())
    assert dashboard.status_code == 200 and "语料库概览" in dashboard.text


def test_plugin_configuration_lookups_leave_out_the_default_facets(known_corpus):
    path, _ = known_corpus
    datasette = make_datasette(path)
    assert datasette.table_metadata("corpus", "reports")["facets"] == DEFAULT_FACETS["reports"]
    assert "facets" not in str(datasette.metadata("plugins"))
    assert datasette.plugin_config("xxgknb")["database"] == "corpus"
