"""Format readers: bytes of one file in, a :class:`~parsers.model.Document` out.

The format is decided from magic bytes first, then the file name, then the content type,
because portals serve attachments under opaque URLs with wrong or generic content types.
Each reader is a module with ``read(data: bytes, *, filename: str | None) -> Document``,
imported on first use so that reading HTML never loads the PDF or Office libraries.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from io import BytesIO

from parsers.model import Document

#: format name -> module implementing ``read``
READERS = {
    "html": "parsers.formats.html",
    "text": "parsers.formats.text",
    "pdf": "parsers.formats.pdf",
    "docx": "parsers.formats.docx",
    "doc": "parsers.formats.office_binary",
    "wps": "parsers.formats.office_binary",
    "xls": "parsers.formats.spreadsheet",
    "xlsx": "parsers.formats.spreadsheet",
    "ofd": "parsers.formats.ofd",
    "image": "parsers.formats.image",
}

_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html", ".jsp": "html", ".aspx": "html",
    ".txt": "text", ".text": "text",
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps",
    ".xls": "xls", ".xlsx": "xlsx", ".et": "xls", ".ofd": "ofd",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image", ".tif": "image",
    ".tiff": "image",
}

_CONTENT_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html", "text/plain": "text",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc", "application/kswps": "wps", "application/wps-office.wps": "wps",
    "application/vnd.ms-works": "wps",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/ofd": "ofd",
}

_HTML_MARKERS = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|table|div|p|title)[\s>/]", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsupportedFormat(ValueError):
    """The bytes are of a kind no reader handles (an archive, an executable, …)."""


def _extension(filename: str | None) -> str | None:
    if not filename:
        return None
    name = filename.lower().split("?")[0].split("#")[0]
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:]) if dot >= 0 else None


def _zip_format(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "OFD.xml" in names or any(n.endswith("/OFD.xml") for n in names):
        return "ofd"
    return "zip"


def sniff_format(data: bytes, *, filename: str | None = None, content_type: str | None = None) -> str:
    """Decide the format of ``data``: magic bytes, then file name, then content type.

    Returns a key of :data:`READERS`, or ``"zip"``/``"binary"`` for bytes no reader takes.
    """
    head = data[:2048]
    by_name = _extension(filename)
    by_type = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(data) or "binary"
    if head.startswith(_OLE_MAGIC):
        # Word, WPS and Excel share the OLE container; the name or type tells them apart,
        # and the stream names settle the rest.
        for candidate in (by_name, by_type):
            if candidate in ("doc", "wps", "xls"):
                return candidate
        return "xls" if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[:65536] else "doc"
    if head[:8] in (b"\x89PNG\r\n\x1a\n",) or head[:3] == b"\xff\xd8\xff" or head[:6] in (b"GIF87a", b"GIF89a"):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "doc"  # LibreOffice reads RTF like DOC
    if b"\x00" in head.replace(b"\x00\x00", b"") and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    if _HTML_MARKERS.search(head) or by_name == "html" or by_type == "html":
        return "html"
    return "text"


def read_document(
    data: bytes, *, filename: str | None = None, content_type: str | None = None, html_tree=None
) -> Document:
    """Read ``data`` into a :class:`Document` with the reader its format calls for.

    ``html_tree`` is the tree :func:`parsers.cms.article.read_article_page` returned for ``data`` and
    ``content_type``, if any: an HTML page is then read from it instead of being parsed again (the
    tree is used up).

    :raises UnsupportedFormat: for bytes no reader handles.
    """
    fmt = sniff_format(data, filename=filename, content_type=content_type)
    module_name = READERS.get(fmt)
    if module_name is None:
        raise UnsupportedFormat(f"not a document format we read ({fmt})")
    reader = importlib.import_module(module_name)
    if fmt == "html" and html_tree is not None:
        return reader.read_tree(html_tree)
    if fmt in ("html", "text"):
        # their bytes need decoding: a charset in the Content-Type is one of the clues
        return reader.read(data, filename=filename, fmt=fmt, declared=content_type)
    document = reader.read(data, filename=filename, fmt=fmt)
    return document
