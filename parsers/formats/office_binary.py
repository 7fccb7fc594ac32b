"""DOC and WPS (binary Word / Kingsoft WPS Writer files): recognised, but not read here.

Reading the binary Word format purely in Python loses characters (antiword, for one, drops rare
CJK characters such as 䶮), and the parsers may not start LibreOffice.  So this reader only says
that a converter is needed; ``archive.convert`` converts the file to DOCX with LibreOffice and
hands the DOCX back to :mod:`parsers.formats.docx`.
"""

from __future__ import annotations

from parsers.model import Document, Status

_NAMES = {"doc": "Word 97-2003 (DOC)", "wps": "Kingsoft WPS Writer (WPS)"}


def read(data: bytes, *, filename: str | None = None, fmt: str = "doc") -> Document:
    kind = _NAMES.get(fmt, fmt.upper())
    return Document(
        format=fmt,
        status=Status.NEEDS_CONVERTER,
        status_detail=f"{kind} file: needs LibreOffice to convert it to DOCX before it can be read",
    )
