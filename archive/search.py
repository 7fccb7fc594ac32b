"""Chinese full-text search: an FTS5 index over character bigrams and trigrams of report titles and texts.

Why n-grams: SQLite's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
so it finds nothing inside a sentence; ``trigram`` cannot match the two-character words people
search most (疫情, 复议); a word segmenter (jieba) misses words it does not know (依申请, 碳达峰).
Indexing every pair of adjacent characters and querying the query's own pairs as a *phrase*
(consecutive tokens) finds exactly the documents that contain the query string, for any query of
two or more characters, in any script.

Why trigrams as well: a phrase of bigrams is checked position by position in every document that
holds all of its bigrams.  A rare string made only of very common pairs (信息公开政务: 信息, 公开, 开政
and 政务 are in nearly every report) makes SQLite read the position lists of the whole corpus —
seconds at a million reports.  Its trigrams (开政务) are rare, so queries of three or more characters
are asked as a phrase of trigrams, which finds the same documents (every occurrence of the string
is a run of its trigrams) from far shorter lists.  The price is an index about twice as large.

Each character gets a spelling that ``unicode61`` keeps inside a token and never folds: CJK
ideographs, ASCII digits and lower-case ASCII letters stand for themselves; any other character of
the Basic Multilingual Plane (upper case, punctuation, spaces, kana, …) is moved to the same code
point in the private-use plane 15 (U+F0000 + code), which unicode61 treats as a letter; a
character beyond the BMP becomes two plane-16 private-use characters.  The mapping is one-to-one,
so matching is exact and case-sensitive, like ``instr(text, query)``, and for the usual all-BMP
text it is a single ``str.translate``.  The last character of a text is also indexed on its own,
so a one-character query (a prefix query on its spelling) finds every occurrence too.  Bigram,
trigram and last-character tokens spell different numbers of characters, so a phrase of one kind
never matches tokens of another.

Queries: whitespace separates terms, and a document must contain every term (AND).  Without
whitespace, the query is one exact substring.

The index ``reports_fts`` is a contentless FTS5 table (the token strings are never stored, only
the index); its rowids are the rowids of ``reports``.  Because a contentless index cannot be told
which tokens an old text had, a report that changed or vanished makes :func:`refresh_index`
rebuild the whole index; new reports are only appended.  :data:`INDEX_TOKENS` is part of every
entry's fingerprint, so an index built with other tokens is rebuilt the same way.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

SEARCH_TABLE = "reports_fts"
STATE_TABLE = "reports_fts_state"

#: Which tokens an index entry holds; changing them makes every entry stale.
INDEX_TOKENS = "bigrams+trigrams"
#: What a report's entry in the index was built from; a change means the entry is stale.
REPORT_FINGERPRINT_SQL = (
    f"'{INDEX_TOKENS}|' || r.sha256 || '|' || r.version || '|' || coalesce(r.parser_version, '') || '|' "
    "|| coalesce(r.title, '')"
)

_BATCH = 500

_PLANE_15 = 0xF0000
_PLANE_16 = 0x100000
_SPACE = ord(" ")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def _stands_for_itself(code: int) -> bool:
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or chr(code) in "0123456789abcdefghijklmnopqrstuvwxyz"


#: str.translate table: every BMP character that does not stand for itself -> its plane-15 twin.
_BMP_SPELLING = {code: _PLANE_15 + code for code in range(0x10000) if not _stands_for_itself(code)}


def _spelled_characters(text: str) -> list[str] | str:
    """One spelling per character: a string (one character each) or, beyond the BMP, a list."""
    spelled = text.translate(_BMP_SPELLING)
    if not _BEYOND_BMP.search(text):
        return spelled
    return [
        chr(_PLANE_16 + (ord(original) >> 16)) + chr(_PLANE_16 + (ord(original) & 0xFFFF))
        if ord(original) > 0xFFFF else char
        for char, original in zip(spelled, text, strict=True)
    ]


def _trigrams(spelled: list[str] | str) -> Iterator[str]:
    return map("".join, zip(spelled, spelled[1:], spelled[2:], strict=False))


def index_tokens(text: str | None) -> str:
    """The index text for ``text``: its bigram tokens, the last character alone, then its trigram tokens."""
    if not text:
        return ""
    spelled = _spelled_characters(text)
    if isinstance(spelled, list):
        return " ".join((
            *map(str.__add__, spelled, spelled[1:]), spelled[-1],
            *_trigrams(spelled),
        ))
    # One character per spelling: interleave code points as arrays ("ab bc cd d abc bcd"), ~10x
    # faster than building a Python string per n-gram.
    codes = array("I", spelled.encode("utf-32-le"))
    pairs, triples = len(codes) - 1, max(0, len(codes) - 2)
    out = array("I", [_SPACE]) * (3 * pairs + 1 + 4 * triples)
    out[0 : 3 * pairs : 3] = codes[:-1]
    out[1 : 3 * pairs : 3] = codes[1:]
    out[3 * pairs] = codes[-1]
    start = 3 * pairs + 2
    out[start::4] = codes[:-2]
    out[start + 1 :: 4] = codes[1:-1]
    out[start + 2 :: 4] = codes[2:]
    return out.tobytes().decode("utf-32-le")


def fts_query(query: str) -> str:
    """Rewrite a user's query into an FTS5 query over the bigram and trigram tokens of the index.

    Every whitespace-separated term must occur as a substring: a phrase of its trigrams when it
    has three characters or more, of its bigrams when two; a one-character term matches any token
    starting with that character.  An empty query matches nothing.
    """
    terms = query.split()
    if not terms:
        return '""'
    clauses = []
    for term in terms:
        spelled = _spelled_characters(term)
        if len(spelled) == 1:
            clauses.append(f'"{spelled[0]}"*')
        elif len(spelled) == 2:
            clauses.append(f'"{spelled[0]}{spelled[1]}"')
        else:
            clauses.append('"' + " ".join(_trigrams(spelled)) + '"')
    return " AND ".join(clauses)


@dataclass
class IndexRefresh:
    """What :func:`refresh_index` did."""

    indexed: int
    """Reports added to the index."""
    rebuilt: bool
    """True when the whole index was rebuilt because reports changed or were removed."""
    stale: int
    """Reports whose entry was stale (changed or removed) before the refresh."""


def count_stale(conn: sqlite3.Connection) -> int:
    """Number of index entries whose report changed or no longer exists."""
    return conn.execute(
        f"""
        select count(*) from {STATE_TABLE} s
        left join reports r on r.rowid = s.report_rowid
        where r.rowid is null or r.id != s.report_id or ({REPORT_FINGERPRINT_SQL}) != s.fingerprint
        """
    ).fetchone()[0]


def count_unindexed(conn: sqlite3.Connection) -> int:
    """Number of reports not in the index yet."""
    return conn.execute(
        f"select count(*) from reports r where r.rowid not in (select report_rowid from {STATE_TABLE})"
    ).fetchone()[0]


def is_current(conn: sqlite3.Connection) -> bool:
    """True when every report is indexed and no index entry is stale."""
    return count_stale(conn) == 0 and count_unindexed(conn) == 0


def refresh_index(conn: sqlite3.Connection) -> IndexRefresh:
    """Bring ``reports_fts`` up to date with ``reports`` (requires migration ``m0003_publish``).

    Commits in batches, so an interrupted refresh keeps what it indexed and the next run goes on.
    """
    stale = count_stale(conn)
    if stale:
        with conn:
            conn.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('delete-all')")
            conn.execute(f"delete from {STATE_TABLE}")
    indexed = 0
    for batch in _unindexed_batches(conn):
        with conn:
            conn.executemany(
                f"insert into {SEARCH_TABLE}(rowid, title, text) values (?, ?, ?)",
                [(rowid, index_tokens(title), index_tokens(text)) for rowid, _, _, title, text in batch],
            )
            conn.executemany(
                f"insert into {STATE_TABLE}(report_rowid, report_id, fingerprint) values (?, ?, ?)",
                [(rowid, report_id, fingerprint) for rowid, report_id, fingerprint, _, _ in batch],
            )
        indexed += len(batch)
    if indexed:
        with conn:
            conn.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('optimize')")
    return IndexRefresh(indexed=indexed, rebuilt=bool(stale), stale=stale)


def _unindexed_batches(conn: sqlite3.Connection) -> Iterator[list[tuple]]:
    last_rowid = -1
    while True:
        batch = conn.execute(
            f"""
            select s.report_rowid, s.report_id, {REPORT_FINGERPRINT_SQL}, s.title, s.body
            from report_search_source s join reports r on r.rowid = s.report_rowid
            where s.report_rowid > ? and s.report_rowid not in (select report_rowid from {STATE_TABLE})
            order by s.report_rowid limit ?
            """,
            (last_rowid, _BATCH),
        ).fetchall()
        if not batch:
            return
        yield batch
        last_rowid = batch[-1][0]
