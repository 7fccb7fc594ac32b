"""Chinese full-text search: an FTS5 index over character bigrams of report titles and texts.

Why bigrams: SQLite's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
so it finds nothing inside a sentence; ``trigram`` cannot match the two-character words people
search most (疫情, 复议); a word segmenter (jieba) misses words it does not know (依申请, 碳达峰).
Indexing every pair of adjacent characters and querying the query's own pairs as a *phrase*
(consecutive tokens) finds exactly the documents that contain the query string, for any query of
two or more characters, in any script.

Each character becomes a token-safe spelling so that ``unicode61`` keeps a bigram as one token and
never folds or splits it: CJK ideographs, ASCII digits and lower-case ASCII letters other than
``x`` stand for themselves; every other character (upper case, punctuation, spaces, rare
ideographs) is written ``x`` + 6 hex digits.  Spellings are self-delimiting, so a bigram token
decodes unambiguously and matching is exact and case-sensitive, like ``instr(text, query)``.
The last character of a text is also indexed on its own, so a one-character query (a prefix query
on its spelling) finds every occurrence too.

Queries: whitespace separates terms, and a document must contain every term (AND).  Without
whitespace, the query is one exact substring.

The index ``reports_fts`` is a contentless FTS5 table (the bigram strings are never stored, only
the index); its rowids are the rowids of ``reports``.  Because a contentless index cannot be told
which tokens an old text had, a report that changed or vanished makes :func:`refresh_index`
rebuild the whole index; new reports are only appended.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

SEARCH_TABLE = "reports_fts"
STATE_TABLE = "reports_fts_state"

#: What a report's entry in the index was built from; a change means the entry is stale.
_FINGERPRINT_SQL = (
    "r.sha256 || '|' || r.version || '|' || coalesce(r.parser_version, '') || '|' || coalesce(r.title, '')"
)

_BATCH = 500

# unicode61 (Unicode 6.1 tables) classifies these ranges as letters, i.e. token characters.
_CJK_RANGES = ((0x3400, 0x4DB5), (0x4E00, 0x9FCC))
_SAFE_ASCII = frozenset("0123456789abcdefghijklmnopqrstuvwyz")
_spellings: dict[str, str] = {}


def _spell(char: str) -> str:
    spelling = _spellings.get(char)
    if spelling is None:
        code = ord(char)
        if char in _SAFE_ASCII or any(low <= code <= high for low, high in _CJK_RANGES):
            spelling = char
        else:
            spelling = f"x{code:06x}"
        _spellings[char] = spelling
    return spelling


def bigram_tokens(text: str | None) -> str:
    """The index text for ``text``: space-separated bigram tokens, then the last character alone."""
    if not text:
        return ""
    spelled = [_spell(char) for char in text]
    tokens = list(map(str.__add__, spelled, spelled[1:]))
    tokens.append(spelled[-1])
    return " ".join(tokens)


def fts_query(query: str) -> str:
    """Rewrite a user's query into an FTS5 query over bigram tokens.

    Every whitespace-separated term must occur as a substring; a one-character term matches
    any token starting with that character.  An empty query matches nothing.
    """
    terms = query.split()
    if not terms:
        return '""'
    clauses = []
    for term in terms:
        spelled = [_spell(char) for char in term]
        if len(spelled) == 1:
            clauses.append(f'"{spelled[0]}"*')
        else:
            clauses.append('"' + " ".join(map(str.__add__, spelled, spelled[1:])) + '"')
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
        where r.rowid is null or r.id != s.report_id or ({_FINGERPRINT_SQL}) != s.fingerprint
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
                [(rowid, bigram_tokens(title), bigram_tokens(text)) for rowid, _, _, title, text in batch],
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
            select s.report_rowid, s.report_id, {_FINGERPRINT_SQL}, s.title, s.body
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
