"""Defences shared by the readers of zipped XML formats (DOCX, XLSX, OFD) against hostile files.

A zip bomb declares small sizes and inflates to gigabytes, and an XML file can define entities that
expand exponentially.  Members are therefore read through a hard byte cap (the declared size is not
trusted), and XML is parsed with entity resolution, DTD loading, network access and huge-tree
support all off.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from io import BytesIO

from lxml import etree

#: Largest uncompressed size of one XML member read (a 20-page report's document.xml is < 1 MB).
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: Largest uncompressed size of all members read from one file.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: Most members of one archive (a DOCX has ~15, an OFD a few per page).
MAX_MEMBERS = 20_000


class LimitExceeded(ValueError):
    """The file is larger, deeper or more numerous than any real report; reading it was stopped."""


_LOCAL_HEADER_SIZE = 30
_LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"


class BoundedZip:
    """A zip archive whose members are read through byte caps."""

    def __init__(self, data: bytes) -> None:
        try:
            self.archive = zipfile.ZipFile(BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ValueError(f"not a readable zip container: {exc}") from exc
        infos = self.archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise LimitExceeded(f"{len(infos)} members in the zip container (limit {MAX_MEMBERS})")
        self.names = {info.filename for info in infos}
        self.total_read = 0
        self.data = data

    def check_declared_sizes(self) -> None:
        """Refuse archives whose members declare more than the limits.

        Python's zipfile stops inflating a member at its declared size (and then fails the CRC), so
        for a library that reads the archive itself (openpyxl) the declared sizes are the real bound.
        """
        declared = sum(info.file_size for info in self.archive.infolist())
        if declared > MAX_TOTAL_BYTES:
            raise LimitExceeded(
                f"members declare {declared // 2**20} MB uncompressed (limit {MAX_TOTAL_BYTES // 2**20} MB)"
            )

    def read(self, name: str) -> bytes:
        try:
            with self.archive.open(name) as member:
                content = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"corrupt zip member {name}: {exc}") from exc
        if len(content) > MAX_MEMBER_BYTES:
            raise LimitExceeded(f"{name} inflates to more than {MAX_MEMBER_BYTES // 2**20} MB (zip bomb?)")
        self.count_read(len(content))
        return content

    def count_read(self, size: int) -> None:
        """Count ``size`` inflated bytes against the total cap, as :meth:`read` does for what it inflates."""
        self.total_read += size
        if self.total_read > MAX_TOTAL_BYTES:
            raise LimitExceeded(f"members inflate to more than {MAX_TOTAL_BYTES // 2**20} MB in total (zip bomb?)")

    def stored_digest(self, name: str) -> bytes | None:
        """SHA-256 of member ``name`` as stored: its directory entry, local header and compressed bytes.

        Two members with the same digest inflate to the same content, or fail to alike, so what was
        read from one can stand for the other without inflating it.  ``None`` when the local header
        is not where the directory says.
        """
        info = self.archive.getinfo(name)
        start = info.header_offset
        header = self.data[start:start + _LOCAL_HEADER_SIZE]
        if len(header) < _LOCAL_HEADER_SIZE or header[:4] != _LOCAL_HEADER_SIGNATURE:
            return None
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        end = start + _LOCAL_HEADER_SIZE + name_length + extra_length + info.compress_size
        digest = hashlib.sha256(repr((info.orig_filename, info.compress_type, info.flag_bits, info.CRC,
                                      info.file_size, info.compress_size)).encode())
        digest.update(self.data[start:end])
        return digest.digest()

    def read_xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), name)


def parse_xml(content: bytes, name: str = "XML") -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"{name} is not well-formed XML: {exc}") from exc
    if root is None:
        raise ValueError(f"{name} is empty")
    return root
