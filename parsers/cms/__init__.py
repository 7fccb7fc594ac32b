"""How to read the pages of each CMS a government portal runs on (pure: text in, dataclasses out).

``ADAPTERS`` maps a CMS name to its module; each has ``detect(url, text)`` and
``read_list(url, text) -> ListPage``.  Detail pages are read the same way everywhere
(:func:`parsers.cms.article.read_article`), and :mod:`parsers.cms.classify` decides what a page is.
Adding a CMS = one module here plus its fixtures; adding a portal = one registry row, no code.
"""

from __future__ import annotations

from types import ModuleType

from parsers.cms import generic, gkmlpt, hanweb, trs, vsb
from parsers.cms.detect import detect

ADAPTERS: dict[str, ModuleType] = {"trs": trs, "hanweb": hanweb, "gkmlpt": gkmlpt, "vsb": vsb, "generic": generic}

__all__ = ["ADAPTERS", "adapter_for", "detect"]


def adapter_for(name: str | None, url: str, text: str) -> tuple[str, ModuleType]:
    """The adapter named ``name`` if known, else the one :func:`detect` picks."""
    if name in ADAPTERS:
        return name, ADAPTERS[name]
    detected = detect(url, text)
    return detected, ADAPTERS[detected]
