"""Publishing the corpus with Datasette.

This package is the Datasette plugin (entry point ``datasette: xxgknb = "publish"``): the
hooks live in :mod:`publish.plugin` and are re-exported here because Datasette finds a
plugin's ``templates/`` and ``static/`` directories next to the module it registered.
"""

from publish.plugin import (
    asgi_wrapper,
    extra_css_urls,
    filters_from_request,
    get_metadata,
    prepare_connection,
    register_facet_classes,
    register_routes,
    render_cell,
)

__all__ = [
    "asgi_wrapper",
    "extra_css_urls",
    "filters_from_request",
    "get_metadata",
    "prepare_connection",
    "register_facet_classes",
    "register_routes",
    "render_cell",
]
