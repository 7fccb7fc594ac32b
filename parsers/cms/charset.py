"""Decide the character set of an HTML page: BOM, then ``<meta>``, then the HTTP header, then gb18030.

Scrapy (like browsers and ``requests``) lets the ``Content-Type`` header win over the page's own
``<meta charset>``.  Government portals often send a wrong header (``iso-8859-1`` on GBK error
pages, ``utf-8`` from a proxy in front of an old GBK site), while the ``<meta>`` written by the CMS
template is right, so here the page's own declaration wins.  With neither, strict UTF-8 is tried
before the gb18030 fallback because a GBK byte stream almost never happens to be valid UTF-8, while
a UTF-8 page decoded as gb18030 would silently become mojibake.
"""

from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
#: Labels that mean "some Chinese national charset": gb18030 decodes all of them and is a superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312", "gb_2312-80"}


def normalise(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, or ``None`` if Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page labelled Latin-1/ASCII on a Chinese portal is the classic wrong header; never trust it.
    if name in ("latin-1", "iso8859-1", "ascii", "cp1252"):
        return None
    return name


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    """The codec to decode ``body`` with (see the module docstring for the order)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    match = _META_CHARSET.search(body[:4096])
    declared = normalise(match.group(1).decode("ascii", "replace")) if match else None
    if declared:
        return declared
    from_header = normalise(header_charset(content_type))
    if from_header and _decodes(body, from_header):
        return from_header
    if _decodes(body, "utf-8"):
        return "utf-8"
    return "gb18030"


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """``body`` as text, decoded with :func:`detect_encoding` (undecodable bytes replaced)."""
    encoding = detect_encoding(body, content_type)
    text = body.decode(encoding, errors="replace")
    return text.lstrip("\ufeff")


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
