"""Bytes to text for HTML and plain-text reports.

Order of trust: a byte-order mark, then the document's own ``<meta charset>`` /
``http-equiv`` declaration, then the charset a server declared (``declared``), then strict
UTF-8, then GB18030 (a superset of GB2312/GBK, the other encoding Chinese portals use).
A candidate is only taken if the bytes decode strictly with it, so a wrong declaration
falls through to the next source instead of producing mojibake.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
#: Chinese pages declared as one of these are GB18030 in practice (it is their superset).
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "hz-gb-2312", "x-euc-cn"}
#: Charsets a server or HTTP library reports by default; they decode any byte string, so they prove nothing.
_UNINFORMATIVE = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252", "iso8859-1"}


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    if name in _UNINFORMATIVE:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_in_document(data: bytes) -> str | None:
    """The charset a ``<meta>`` tag in the first 4 KB declares, normalised (``None`` if none/unknown)."""
    match = _META_CHARSET.search(data[:4096])
    return _canonical(match.group(1).decode("ascii", "ignore")) if match else None


def charset_from_content_type(content_type: str | None) -> str | None:
    """``text/html; charset=GBK`` → ``gb18030``."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", content_type, re.IGNORECASE)
    return _canonical(match.group(1)) if match else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding_used)``.  Never raises.

    ``declared`` is a charset name or a whole ``Content-Type`` value from the server.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    if declared and "=" in declared:
        declared = charset_from_content_type(declared)
    candidates = [declared_in_document(data), _canonical(declared), "utf-8", "gb18030"]
    seen: set[str] = set()
    for encoding in candidates:
        if not encoding or encoding in seen:
            continue
        seen.add(encoding)
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"
