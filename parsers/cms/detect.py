"""Which adapter reads a page: URL shape first, then markup, most specific CMS first."""

from __future__ import annotations

from parsers.cms import gkmlpt, hanweb, trs, vsb

#: Checked in this order; ``generic`` takes whatever none of them claims.
ORDER = (("gkmlpt", gkmlpt), ("hanweb", hanweb), ("trs", trs), ("vsb", vsb))


def detect(url: str, text: str) -> str:
    for name, adapter in ORDER:
        if adapter.detect(url, text):
            return name
    return "generic"
