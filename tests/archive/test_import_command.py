"""``xxgknb import`` end to end: the real CLI, real files, the real parsers, a real SQLite file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from archive_test_helpers import SEEDS, dump, rows
from click.testing import CliRunner

from archive.corpus import report_id
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS
from xxgknb.cli import cli

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.txt"))

NOTICE = (
    "关于印发2022年度政府信息公开工作年度报告格式的通知\n\n"
    "各单位：\n请于2023年1月20日前将本单位年度报告电子版报送市政务公开办公室。\n"
    "联系人：张三，电话：0371-12345678。\n某市政务公开办公室\n2023年1月5日\n"
)


def import_(*args: object) -> str:
    result = CliRunner().invoke(cli, ["import", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def copy_seeds(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SEED_NAMES:
        (folder / name).write_bytes((SEEDS / name).read_bytes())
    return folder


def seed_id(folder: Path, name: str) -> str:
    return report_id((folder / name).absolute().as_uri())


def test_seeds_become_reports_and_reimporting_changes_nothing(tmp_path, corpus_path):
    folder = copy_seeds(tmp_path / "reports")
    output = import_(folder, "--db", corpus_path, "--jobs", "2")
    assert "parsed fully:  5" in output and "not parsed:    0" in output and "new: 5" in output

    assert rows(corpus_path, "SELECT count(*), count(DISTINCT url) FROM reports") == [(5, 5)]
    assert rows(corpus_path, "SELECT url FROM reports WHERE id = ?", (seed_id(folder, SEED_NAMES[1]),)) == [
        ((folder / SEED_NAMES[1]).as_uri(),)
    ]
    applicant_columns = (
        "natural_person, commercial_enterprise, research_institution, social_welfare_org,"
        " legal_service_org, other_org, total"
    )
    for name, row_key, printed in [
        (SEED_NAMES[1], "new_received", (1, 0, 0, 0, 0, 0, 1)),
        (SEED_NAMES[1], "carried_over", (1, 0, 0, 0, 0, 0, 1)),
        (SEED_NAMES[1], "total_processed", (2, 0, 0, 0, 0, 0, 2)),
        (SEED_NAMES[4], "new_received", (1, 0, 0, 0, 0, 0, 1)),
        (SEED_NAMES[4], "total_processed", (0, 0, 0, 0, 0, 0, 0)),
        (SEED_NAMES[0], "carried_forward", (0, 0, 0, 0, 0, 0, 0)),
    ]:
        assert rows(
            corpus_path,
            f"SELECT {applicant_columns} FROM applications WHERE report_id = ? AND row_key = ?",
            (seed_id(folder, name), row_key),
        ) == [printed], (name, row_key)
    # every number of sections 三 and 四 is kept as printed, with where it was read
    assert rows(corpus_path, "SELECT count(*) FROM raw_cells WHERE raw IS NULL OR source IS NULL") == [(0,)]
    assert rows(corpus_path, "SELECT count(*) FROM raw_cells WHERE section = 'review_litigation'") == [(5 * 15,)]

    issues = dict(
        rows(
            corpus_path,
            "SELECT report_id, group_concat(DISTINCT rule) FROM"
            " (SELECT report_id, rule FROM validation_issues ORDER BY rule) GROUP BY report_id",
        )
    )
    assert issues == {seed_id(folder, SEED_NAMES[4]): "2,3,5"}
    assert rows(corpus_path, "SELECT issue_count > 0, count(*) FROM reports GROUP BY 1 ORDER BY 1") == [(0, 4), (1, 1)]
    assert rows(corpus_path, "SELECT count(*) FROM sections") == [(30,)]
    assert rows(corpus_path, "SELECT count(*) FROM report_texts WHERE length(text) > 1000") == [(5,)]

    before = dump(corpus_path)
    output = import_(folder, "--db", corpus_path)
    assert "unchanged: 5" in output and "parsed fully:  5" in output
    assert dump(corpus_path) == before


def test_a_changed_file_becomes_version_2_and_its_old_rows_are_kept(tmp_path, corpus_path):
    folder = copy_seeds(tmp_path / "reports")
    import_(folder, "--db", corpus_path)
    changed = folder / SEED_NAMES[3]
    text = changed.read_bytes().decode("utf-8")
    line = "一、本年新收政府信息公开申请数量\t\t0\t0"
    assert text.count(line) == 1
    changed.write_bytes(text.replace(line, "一、本年新收政府信息公开申请数量\t\t3\t0").encode("utf-8"))

    output = import_(folder, "--db", corpus_path)
    assert "new: 0, updated: 1, reparsed: 0, unchanged: 4" in output
    rid = seed_id(folder, SEED_NAMES[3])
    assert rows(corpus_path, "SELECT version FROM reports WHERE id = ?", (rid,)) == [(2,)]
    assert rows(
        corpus_path,
        "SELECT natural_person FROM applications WHERE report_id = ? AND row_key = ?",
        (rid, "new_received"),
    ) == [(3.0,)]
    # the new numbers break rules 1 and 2; the report is kept and the issues recorded
    broken = rows(corpus_path, "SELECT DISTINCT rule FROM validation_issues WHERE report_id = ?", (rid,))
    assert sorted(broken) == [(1,), (2,)]
    versions = rows(
        corpus_path,
        "SELECT version, superseded_at IS NOT NULL, rows_json FROM report_versions"
        " WHERE report_id = ? ORDER BY version",
        (rid,),
    )
    assert [v[:2] for v in versions] == [(1, 1), (2, 0)]
    old = (
        sqlite3.connect(":memory:")
        .execute(
            "SELECT json_extract(value, '$.natural_person') FROM json_each(?, '$.applications')"
            " WHERE json_extract(value, '$.row_key') = 'new_received'",
            (versions[0][2],),
        )
        .fetchall()
    )
    assert old == [(0.0,)]
    assert rows(corpus_path, "SELECT count(*) FROM report_versions") == [(6,)]


def test_bad_input_gets_a_reason_and_a_row_and_never_stops_the_import(tmp_path, corpus_path):
    folder = tmp_path / "mixed"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / "junk.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "nested" / "unknown-encoding.txt").write_bytes(bytes((i * 37 + 11) % 128 + 128 for i in range(5000)))
    (folder / "nested" / "notice.txt").write_bytes(NOTICE.encode("gb18030"))
    # a real pathological input: a report's text 3000 times over (19 MB), far beyond the time limit
    (folder / "nested" / "deeper" / "oversized.txt").write_bytes((SEEDS / SEED_NAMES[4]).read_bytes() * 3000)
    (folder / "nested" / "deeper" / SEED_NAMES[0]).write_bytes((SEEDS / SEED_NAMES[0]).read_bytes())
    (folder / ".hidden.txt").write_bytes((SEEDS / SEED_NAMES[1]).read_bytes())

    output = import_(folder, "--db", corpus_path, "--time-limit", "2", "--jobs", "2")
    assert "parsed fully:  1" in output and "not parsed:    5" in output, output
    lines = {line.strip().split(": ", 1)[0]: line.strip() for line in output.splitlines() if line.startswith("  /")}
    expected = {
        "junk.bin": "error: not a document format we read (binary)",
        "empty.txt": "not_a_report: empty page: no text",
        "nested/unknown-encoding.txt": "error: binary data, not text",
        "nested/notice.txt": "not_a_report: a notice about annual reports, not a report",
        "nested/deeper/oversized.txt": "error: parsing took longer than the time limit of 2 s; stopped",
    }
    for relative, reason in expected.items():
        path = str(folder / relative)
        assert lines[path].startswith(f"{path}: {reason}"), lines.get(path)

    assert rows(corpus_path, "SELECT format FROM rejected_documents WHERE url LIKE '%oversized.txt'") == [("text",)]
    rejected = dict(rows(corpus_path, "SELECT url, status FROM rejected_documents"))
    assert rejected == {(folder / relative).as_uri(): reason.split(":")[0] for relative, reason in expected.items()}
    assert rows(corpus_path, "SELECT count(*) FROM rejected_documents WHERE reason = '' OR reason IS NULL") == [(0,)]
    assert rows(corpus_path, "SELECT url, status FROM reports") == [
        ((folder / "nested" / "deeper" / SEED_NAMES[0]).as_uri(), "full")
    ]

    # the failures are recorded too: a second run parses nothing and changes nothing
    before = dump(corpus_path)
    output = import_(folder, "--db", corpus_path, "--time-limit", "2")
    assert "unchanged: 6" in output
    assert dump(corpus_path) == before


def test_a_single_file_and_a_directory_holding_it_are_one_report(tmp_path, corpus_path):
    folder = copy_seeds(tmp_path / "reports")
    import_(folder / SEED_NAMES[2], folder, "--db", corpus_path)
    assert rows(corpus_path, "SELECT count(*) FROM reports") == [(5,)]


def test_same_bytes_under_two_names_are_marked_duplicate(tmp_path, corpus_path):
    folder = copy_seeds(tmp_path / "reports")
    shutil.copyfile(folder / SEED_NAMES[0], folder / "zz-copy.txt")
    import_(folder, "--db", corpus_path)
    assert rows(corpus_path, "SELECT url, duplicate_of FROM reports WHERE duplicate_of IS NOT NULL") == [
        ((folder / "zz-copy.txt").as_uri(), seed_id(folder, SEED_NAMES[0]))
    ]


def test_the_corpus_inside_the_imported_folder_is_not_imported(tmp_path):
    folder = copy_seeds(tmp_path / "reports")
    corpus_path = folder / "out" / "corpus.db"
    import_(folder, "--db", corpus_path)
    before = dump(corpus_path)
    output = import_(folder, "--db", corpus_path)
    assert "unchanged: 5" in output and "new: 0" in output
    assert dump(corpus_path) == before
    assert rows(corpus_path, "SELECT count(*) FROM rejected_documents") == [(0,)]


REPORT_FIXTURES = SEEDS.parent / "reports"


def stored_applications(corpus_path: Path, rid: str) -> list[list]:
    raw = {
        (int(row), column): text
        for row, column, text in rows(
            corpus_path,
            "SELECT row_key, column_key, raw FROM raw_cells WHERE report_id = ? AND section = 'applications'",
            (rid,),
        )
    }
    return [
        [key, label, [raw.get((index, column), "") for column in APPLICANT_COLUMNS]]
        for index, key, label in rows(
            corpus_path,
            "SELECT row_index, row_key, row_label FROM applications WHERE report_id = ? ORDER BY row_index",
            (rid,),
        )
    ]


def test_portal_pages_are_stored_exactly_as_printed(corpus_path):
    """Every printed cell of the parser's HTML fixtures (TRS, #zoom, gkmlpt, GBK pages, merged and
    blank cells) ends up in the corpus as printed: ``raw`` beside ``value``, blank as NULL."""
    expectations = {
        REPORT_FIXTURES / f"{path.stem}.html": json.loads(path.read_bytes())
        for path in sorted((REPORT_FIXTURES / "expected").glob("*.json"))
        if (REPORT_FIXTURES / f"{path.stem}.html").exists()
    }
    assert len(expectations) >= 4
    import_(*expectations, "--db", corpus_path)
    for page, expected in expectations.items():
        rid = report_id(page.as_uri())
        assert rows(corpus_path, "SELECT status FROM reports WHERE id = ?", (rid,)) == [(expected["status"],)], page
        disclosure = rows(
            corpus_path, "SELECT item, category, metric, raw FROM active_disclosure WHERE report_id = ?", (rid,)
        )
        assert sorted(disclosure) == sorted(tuple(cell) for cell in expected["active_disclosure"]), page
        assert stored_applications(corpus_path, rid) == expected["applications"], page
        review = {
            proceeding: [raw for _column, raw in sorted(cells, key=lambda c: OUTCOME_COLUMNS.index(c[0]))]
            for proceeding, cells in _group(
                rows(
                    corpus_path,
                    "SELECT row_key, column_key, raw FROM raw_cells WHERE report_id = ?"
                    " AND section = 'review_litigation'",
                    (rid,),
                )
            ).items()
        }
        assert review == (expected["review_litigation"] or {}), page
        issues = rows(corpus_path, "SELECT rule, location FROM validation_issues WHERE report_id = ?", (rid,))
        assert sorted(issues) == sorted(tuple(v) for v in expected["violations"]), page
        # blank is NULL, never 0
        assert rows(
            corpus_path,
            "SELECT count(*) FROM raw_cells WHERE report_id = ? AND trim(raw) = '' AND value IS NOT NULL",
            (rid,),
        ) == [(0,)]


def _group(triples: list[tuple]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, column, raw in triples:
        grouped.setdefault(key, []).append((column, raw))
    return grouped


def test_a_file_name_with_spaces_and_chinese_becomes_a_percent_encoded_file_url(tmp_path, corpus_path):
    path = tmp_path / "年报 2022" / "湛河区 住建局.txt"
    path.parent.mkdir()
    path.write_bytes((SEEDS / SEED_NAMES[0]).read_bytes())
    import_(path.parent, "--db", corpus_path)
    url = path.as_uri()
    assert url.startswith("file:///") and "%20" in url and "%E6%B9%9B" in url
    assert rows(corpus_path, "SELECT id, url FROM reports") == [(report_id(url), url)]


def test_a_db_path_that_is_not_a_database_is_a_one_line_error(tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_bytes(b"these are my notes, not a database\n" * 100)
    result = CliRunner().invoke(cli, ["import", str(SEEDS), "--db", str(not_a_db)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {not_a_db}: cannot open as a corpus: file is not a database"
    )
    assert not_a_db.read_bytes() == b"these are my notes, not a database\n" * 100
