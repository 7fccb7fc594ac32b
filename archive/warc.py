"""The raw archive: WARC/1.1 files, one gzip member per record (warcio), and a reader that knows
where a file written by a killed process ends.

Every HTTP exchange is a ``response`` record followed by its ``request`` record
(``WARC-Concurrent-To``).  A file starts with a ``warcinfo`` record describing the crawl and the
portal.  Records carry ``WARC-Xxgknb-*`` headers so the corpus can be rebuilt from the files alone:

``WARC-Xxgknb-Portal``   registry id of the portal
``WARC-Xxgknb-Crawl``    crawl id (one per ``xxgknb crawl`` run)
``WARC-Xxgknb-Role``     ``start`` | ``list`` | ``detail`` | ``document`` | ``robots``: why it was fetched
``WARC-Xxgknb-Parent``   the page whose link led here
``WARC-Xxgknb-Link-Text`` the text of that link (decides a document's type when its URL is opaque)
``WARC-Xxgknb-Original-Url`` the URL first requested, when redirects led elsewhere

The end of each portal's crawl is a ``metadata`` record (``urn:xxgknb:crawl:<crawl>:<portal>``)
with the list of report candidates still linked from the portal; ``xxgknb build`` marks the others gone.

The payload is stored exactly as received (``Content-Encoding`` included) and decoded on reading.
Writes are one ``write()`` of a complete gzip member followed by a flush, so a killed crawler
leaves at most one partial member at the end of the file; :func:`valid_length` finds it (warcio
reads a truncated gzip member without complaint) and :func:`repair` cuts it off.

Beside each ``X.warc.gz`` the writer keeps its record index ``X.warc.gz.records.jsonl``: one JSON
line per record written, with where it is, its headers, and the SHA-256 and size of a response's
payload (:func:`index_line`).  Indexing a file for a fresh corpus otherwise means inflating and
hashing every payload, a sixteenth of a build's CPU.  The file stays the truth: only a prefix of
lines that chains from byte 0 without a gap, ends inside the file and names the records actually
found at its first and last offsets is used, and whatever follows is read from the WARC file
(:func:`iter_record_heads`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HEADER_PREFIX = "WARC-Xxgknb-"
_CHUNK = 1 << 20
#: Reading one record back: most records are far smaller than :data:`_CHUNK`, and a 1 MB read (and
#: the copy of what follows the record) cost more than decompressing a typical record.
_RECORD_CHUNK = 1 << 16
#: The record index of ``X.warc.gz`` is ``X.warc.gz`` + this.
INDEX_SUFFIX = ".records.jsonl"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordRef:
    """Where a record was written."""

    path: Path
    offset: int
    length: int
    record_id: str
    payload_digest: tuple[str, int] | None = None
    """``(sha256, size)`` of a response's payload (:meth:`ArchivedRecord.payload_digest`)."""


@dataclass
class ArchivedRecord:
    """A record read back from a WARC file."""

    offset: int
    length: int
    warc_headers: dict[str, str]
    http_status: int | None = None
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    raw_payload: bytes = b""
    """The HTTP body as stored (still ``Content-Encoding``-encoded), or the record block for non-HTTP records."""
    indexed_digest: tuple[str, int] | None = None
    """``(sha256, size)`` of :attr:`payload` as the record index gives them: for a record read from
    the index alone (its ``raw_payload`` is then empty), or written just now."""

    @property
    def type(self) -> str:
        return self.warc_headers.get("WARC-Type", "")

    @property
    def url(self) -> str:
        return self.warc_headers.get("WARC-Target-URI", "")

    def xheader(self, name: str) -> str | None:
        return self.warc_headers.get(HEADER_PREFIX + name)

    def http_header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.http_headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def payload(self) -> bytes:
        """The body with its ``Content-Encoding`` undone."""
        return decode_content(self.raw_payload, self.http_header("Content-Encoding"))

    def payload_digest(self) -> tuple[str, int]:
        """``(sha256 hex, size)`` of :attr:`payload`."""
        if self.indexed_digest is not None:
            return self.indexed_digest
        payload = self.payload
        return sha256(payload), len(payload)


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo gzip/deflate/br ``Content-Encoding``; bytes that do not decode are returned as they are."""
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                body = brotli.decompress(body)
        except Exception:  # a body that lies about its encoding is archived and returned as received
            return body
    return body


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class WarcWriter:
    """Appends records to one WARC file; writes the ``warcinfo`` record when the file is new."""

    def __init__(self, path: Path, *, info: dict[str, object]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            repair(self.path)
        else:
            index_path(self.path).unlink(missing_ok=True)  # left by a file since deleted
        self._file = open(self.path, "ab")  # noqa: SIM115 - lives as long as the writer
        self._index = open(index_path(self.path), "a", encoding="utf-8")  # noqa: SIM115 - likewise
        if self._file.tell() == 0:
            self._write(self._warcinfo(info))

    def _new_writer(self, buffer: io.BytesIO) -> WARCWriter:
        # Uncompressed: each record is gzipped by _write, which reads it back for the index first.
        return WARCWriter(buffer, gzip=False, warc_version="WARC/1.1")

    def _warcinfo(self, info: dict[str, object]):
        buffer = io.BytesIO()
        writer = self._new_writer(buffer)
        record = writer.create_warcinfo_record(self.path.name, {k: _header_value(v) for k, v in info.items()})
        return [record]

    def _write(self, records) -> RecordRef:
        first_offset = offset = self._file.tell()
        members, written = [], []
        for record in records:
            buffer = io.BytesIO()
            self._new_writer(buffer).write_record(record)
            plain = buffer.getvalue()
            compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # as warcio gzips
            member = compressor.compress(plain) + compressor.flush()
            parsed = _parse(offset, len(member), plain)
            if parsed.http_status is not None:  # hashed once, for the index line and the caller
                parsed.indexed_digest = parsed.payload_digest()
            written.append(parsed)
            members.append(member)
            offset += len(member)
        self._file.write(b"".join(members))
        self._file.flush()
        # After the records: a line is never written for a record that is not (wholly) in the file.
        self._index.write("".join(map(index_line, written)))
        self._index.flush()
        first = written[0]
        return RecordRef(
            self.path,
            first_offset,
            first.length,
            first.warc_headers.get("WARC-Record-ID", ""),
            first.indexed_digest,
        )

    def write_exchange(
        self,
        *,
        url: str,
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        body: bytes,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        fetched_at: str,
        extra: dict[str, str | None],
    ) -> RecordRef:
        """Write a response record and its request record; returns where the response record is, and its
        payload's digest."""
        writer = self._new_writer(io.BytesIO())
        response_headers = [(k, v) for k, v in response_headers if k.lower() != "transfer-encoding"]
        headers = {"WARC-Date": fetched_at}
        headers.update({HEADER_PREFIX + k: _header_value(v) for k, v in extra.items() if v not in (None, "")})
        response = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=StatusAndHeaders(f"{status} {reason or 'OK'}", response_headers, protocol="HTTP/1.1"),
            warc_headers_dict=headers,
        )
        path = url.split("://", 1)[-1].partition("/")[2]
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body),
            http_headers=StatusAndHeaders(f"{method} /{path} HTTP/1.1", request_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Date": fetched_at,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        return self._write([response, request])

    def write_metadata(self, target_uri: str, data: dict[str, object], *, fetched_at: str) -> RecordRef:
        writer = self._new_writer(io.BytesIO())
        record = writer.create_warc_record(
            target_uri,
            "metadata",
            payload=io.BytesIO(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": fetched_at},
        )
        return self._write([record])

    def close(self) -> None:
        for handle in (self._file, self._index):
            if not handle.closed:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()


def _header_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return " ".join(text.split())


def _members(path: Path, start: int = 0, chunk: int = _CHUNK) -> Iterator[tuple[int, int, bytes | None]]:
    """(offset, length, decompressed bytes) of each complete gzip member from ``start``, reading
    ``chunk`` bytes at a time; a final ``(offset, 0, None)`` marks a truncated or corrupt tail."""
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        pending = b""
        while True:
            if not pending:
                pending = handle.read(chunk)
                if not pending:
                    return
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            parts: list[bytes] = []
            consumed = 0
            while True:
                try:
                    parts.append(decompressor.decompress(pending))
                except zlib.error:
                    yield offset, 0, None
                    return
                if decompressor.eof:
                    used = len(pending) - len(decompressor.unused_data)
                    consumed += used
                    pending = decompressor.unused_data
                    break
                consumed += len(pending)
                pending = handle.read(chunk)
                if not pending:
                    yield offset, 0, None
                    return
            yield offset, consumed, parts[0] if len(parts) == 1 else b"".join(parts)
            offset += consumed


def _parse(offset: int, length: int, raw: bytes) -> ArchivedRecord | None:
    # Positions into ``raw`` rather than partitions of it: a PDF record is ~150 KB, and each
    # partition copied it whole (a large copy is a fresh mapping and its page faults: 0.23 ms of
    # the 1.1 ms a PDF record took to read back).  Only the payload is copied, once.
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0 or not raw.startswith(b"WARC/"):
        return None
    headers: dict[str, str] = {}
    for line in raw[:head_end].decode("utf-8", "replace").split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip()] = value.strip()
    try:
        content_length = int(headers.get("Content-Length", "-1"))
    except ValueError:
        return None
    block_start = head_end + 4
    block_end = block_start + content_length
    if content_length < 0 or len(raw) < block_end + 4 or raw[block_end : block_end + 4] != b"\r\n\r\n":
        return None
    record = ArchivedRecord(offset=offset, length=length, warc_headers=headers)
    if not (headers.get("Content-Type", "").startswith("application/http") and headers.get("WARC-Type") == "response"):
        record.raw_payload = raw[block_start:block_end]
        return record
    http_end = raw.find(b"\r\n\r\n", block_start, block_end)
    lines = raw[block_start : block_end if http_end < 0 else http_end].decode("iso-8859-1").split("\r\n")
    status_parts = lines[0].split(" ", 2)
    try:
        record.http_status = int(status_parts[1])
    except (IndexError, ValueError):
        return None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            # Header bytes are Latin-1 on the wire; re-read them as UTF-8 when they are (file names).
            raw_value = value.strip().encode("iso-8859-1")
            try:
                decoded = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                decoded = value.strip()
            record.http_headers.append((name.strip(), decoded))
    record.raw_payload = raw[http_end + 4 : block_end] if http_end >= 0 else b""
    return record


def iter_records(path: Path, start: int = 0, *, chunk: int = _CHUNK) -> Iterator[ArchivedRecord]:
    """Every complete, well-formed record of ``path`` from byte ``start``; stops silently before a
    truncated or corrupt tail (use :func:`valid_length` to know whether there was one)."""
    for offset, length, raw in _members(Path(path), start, chunk):
        if raw is None:
            return
        record = _parse(offset, length, raw)
        if record is None:
            return
        yield record


def index_path(path: Path) -> Path:
    """The record index kept beside the WARC file ``path``."""
    return Path(f"{path}{INDEX_SUFFIX}")


def index_line(record: ArchivedRecord) -> str:
    """``record`` as a line of the record index: all of it but the payload, which a response
    replaces by its SHA-256 and size."""
    entry: dict[str, object] = {"offset": record.offset, "length": record.length, "warc": record.warc_headers}
    if record.http_status is not None:
        sha, size = record.payload_digest()
        entry.update(status=record.http_status, http=record.http_headers, sha256=sha, size=size)
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"


def _record_from_line(line: bytes) -> ArchivedRecord:
    entry = json.loads(line)
    record = ArchivedRecord(offset=entry["offset"], length=entry["length"], warc_headers=entry["warc"])
    if "status" in entry:
        record.http_status = entry["status"]
        record.http_headers = [(name, value) for name, value in entry["http"]]
        record.indexed_digest = (entry["sha256"], entry["size"])
    return record


def _indexed_prefix(path: Path) -> list[ArchivedRecord]:
    """The records of ``path`` its record index vouches for (see the module's docstring); none when
    there is no index or it does not agree with the file."""
    try:
        lines = index_path(path).read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    size = path.stat().st_size
    records: list[ArchivedRecord] = []
    end = 0
    for line in lines:
        try:
            record = _record_from_line(line)
        except (ValueError, KeyError, TypeError):  # the end, a line cut short, or not an index line
            break
        if record.offset != end or record.length <= 0 or record.offset + record.length > size:
            break
        records.append(record)
        end = record.offset + record.length
    for listed in records[:1] + records[-1:] if len(records) > 1 else records:
        found = read_record(path, listed.offset)
        if found is None or found.length != listed.length or found.warc_headers != listed.warc_headers:
            logger.warning(
                "%s: its record index does not match the file at byte %d; reading the file", path, listed.offset
            )
            return []
    return records


def iter_record_heads(path: Path, start: int = 0) -> Iterator[ArchivedRecord]:
    """The records :func:`iter_records` gives, from byte ``start``, but those the record index vouches
    for come from the index: without ``raw_payload``, with :meth:`ArchivedRecord.payload_digest`."""
    path = Path(path)
    end = 0
    for record in _indexed_prefix(path):
        end = record.offset + record.length
        if record.offset >= start:
            yield record
    yield from iter_records(path, max(start, end))


def valid_length(path: Path) -> int:
    """Byte length of the readable prefix of ``path``: the end of its last complete record."""
    end = 0
    for record in iter_records(path):
        end = record.offset + record.length
    return end


def repair(path: Path) -> int:
    """Cut a truncated or corrupt tail off ``path`` (left by a killed writer), and bring its record
    index back in line with what remains; returns the bytes removed from ``path``."""
    path = Path(path)
    size = path.stat().st_size
    partial = index_path(path).with_name(index_path(path).name + ".partial")
    keep = 0
    # One pass: what the index vouches for, then the file read on to the end of its last whole record.
    with open(partial, "w", encoding="utf-8") as index:
        for record in iter_record_heads(path):
            index.write(index_line(record))
            keep = record.offset + record.length
    if keep < size:
        with open(path, "r+b") as handle:
            handle.truncate(keep)
    partial.replace(index_path(path))
    return size - keep


def read_record(path: Path, offset: int, length: int | None = None) -> ArchivedRecord | None:
    """The record starting at ``offset`` (as stored in the index).

    ``length``, the record's length in the index, lets it be read with one system call and
    decompressed in one piece (0.12 ms per record instead of 0.16-0.19 ms reading on until the gzip
    member ends: a build reads every record back once).  Bytes there that are not exactly one whole
    record are read again the ordinary way, so a wrong length costs time, never a record.
    """
    if length is not None and length > 0:
        record = _read_whole_member(path, offset, length)
        if record is not None:
            return record
    for record in iter_records(path, offset, chunk=_RECORD_CHUNK):
        return record
    return None


def prefetch_record(path: Path | str, offset: int, length: int) -> None:
    """Ask the kernel to start reading a record's bytes into the page cache, and return at once.

    For whoever will :func:`read_record` it a little later: a build reads records in the order of
    the reports' ids, which is no order at all on disk, and an archive larger than the machine's
    memory (1.5 M reports are ~50 GB of WARC) is mostly not in the page cache, so every read would
    wait for the disk with a core idle.  A file that cannot be opened is left to the read to report.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(descriptor, offset, length, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _read_whole_member(path: Path, offset: int, length: int) -> ArchivedRecord | None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        raw = os.pread(descriptor, length, offset)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw)
    except zlib.error:
        return None
    if not decompressor.eof or decompressor.unused_data:
        return None
    return _parse(offset, length, data)
