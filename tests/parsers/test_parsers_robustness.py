"""Decoding, look-alikes, bad input: every document gets a status, nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse
from parsers.decode import decode
from parsers.model import Status

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "tests/fixtures/seeds").glob("*.txt"))
REPORTS = ROOT / "tests/fixtures/reports"


def _cells(report):
    return (
        [(c.category, c.metric, c.value.raw) for c in report.active_disclosure],
        [(r.row_key, r.row_label, sorted((k, v.raw) for k, v in r.cells.items())) for r in report.applications],
        [(r.proceeding, sorted((k, v.raw) for k, v in r.cells.items())) for r in report.review_litigation],
    )


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_gb18030_text_without_declaration_reads_like_utf8(seed):
    text = seed.read_text(encoding="utf-8")
    utf8 = parse(text.encode("utf-8"), filename="r.txt")
    gbk = parse(text.encode("gb18030"), filename="r.txt")
    assert gbk.status == Status.FULL
    assert (gbk.title, gbk.agency, gbk.year) == (utf8.title, utf8.agency, utf8.year)
    assert _cells(gbk) == _cells(utf8)


def test_gbk_page_with_meta_beats_a_wrong_header():
    data = (REPORTS / "gbk_prose_2018.html").read_bytes()
    assert b"charset=gb2312" in data
    for header in (None, "text/html; charset=utf-8", "text/html; charset=ISO-8859-1", "utf-8"):
        text, encoding = decode(data, header)
        assert encoding == "gb18030"
        assert "北京市朝阳区统计局2018年政府信息公开工作年度报告" in text


def test_gbk_page_without_any_declaration():
    data = (REPORTS / "gbk_prose_2018.html").read_bytes().replace(b"; charset=gb2312", b"")
    assert b"charset" not in data
    report = parse(data, filename="page.html")
    assert report.title == "北京市朝阳区统计局2018年政府信息公开工作年度报告"
    assert report.year == 2018


def test_declared_header_used_when_the_document_says_nothing():
    text, encoding = decode("年度报告".encode("utf-16-be"), "text/plain; charset=UTF-16BE")
    assert (text, encoding) == ("年度报告", "utf-16-be")


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_byte_order_mark_wins(bom, encoding):
    text, _ = decode(bom + "一、总体情况".encode(encoding), "gbk")
    assert text.lstrip("\ufeff") == "一、总体情况"


@pytest.mark.parametrize(
    ("fixture", "reason_words"),
    [
        ("notice_format.html", "notice"),
        ("annual_report_interpretation.html", "interpretation"),
        ("website_annual_form.html", "website"),
        ("budget_final_accounts.html", "budget"),
        ("empty_page.html", "empty"),
    ],
)
def test_look_alikes_are_not_reports(fixture, reason_words):
    report = parse((REPORTS / fixture).read_bytes(), filename=fixture)
    assert report.status == Status.NOT_A_REPORT
    assert reason_words in report.status_detail
    assert "\n" not in report.status_detail
    assert report.applications == [] and report.template is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\x03" * 500,
        bytes(range(256)) * 40,
        b"<html><body><table><tr><td rowspan=99999 colspan=abc>1</td></tr></table>",
        b"<html><body><div id='zoom'><table><tr><td><table><tr><td>x</td></tr></table></td></tr></table></div>",
        "一、总体情况\n\t\t\t\n| \n||||\n|".encode(),
        b"\xff\xfe\xff\xfe\x00\xd8",
        b"PK\x03\x04garbage",
    ],
)
def test_bad_input_never_raises(data):
    report = parse(data, filename="input.bin")
    assert report.status in (Status.ERROR, Status.NOT_A_REPORT, Status.UNSTRUCTURED, Status.PARTIAL)
    assert report.status_detail


def test_binary_junk_is_an_error():
    report = parse(bytes(range(256)) * 40, filename="download")
    assert report.status == Status.ERROR


def test_partial_report_names_the_missing_table():
    seed = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_text(encoding="utf-8")
    cut = seed[: seed.index("四、政府信息公开行政复议")] + seed[seed.index("五、存在的主要问题") :]
    report = parse(cut.encode("utf-8"), filename="cut.txt")
    assert report.status == Status.PARTIAL
    assert report.status_detail == "table not found: review_litigation (四)"
    assert len(report.applications) == 25


def test_prose_report_is_unstructured_with_sections():
    report = parse((REPORTS / "gbk_prose_2018.html").read_bytes(), filename="p.html")
    assert report.status == Status.UNSTRUCTURED and report.template == "unstructured"
    assert [s.heading for s in report.sections][3] == "四、政府信息公开的收费及减免情况"


def test_title_alone_does_not_make_a_report():
    page = (
        "<html><head><meta name='ArticleTitle' content='某某局2022年政府信息公开工作年度报告'></head>"
        "<body><div id='zoom'><p>附件：某某局2022年政府信息公开工作年度报告（PDF，请下载查看）</p>"
        "<p>如需阅读全文，请点击上方附件链接下载，或联系本机关办公室索取纸质文本。</p>"
        "</div></body></html>"
    ).encode()
    report = parse(page, filename="attachment-only.html")
    assert report.status == Status.NOT_A_REPORT
    assert "no sign of an annual report" in report.status_detail


def test_content_type_charset_reaches_the_decoder():
    text = "一、總體情況\n本機關全年主動公開政府資訊一百二十條，依申請公開政府資訊三件，均已按期答覆。\n"
    data = text.encode("big5")
    report = parse(data, filename="report.txt", content_type="text/plain; charset=big5")
    assert "本機關全年主動公開政府資訊" in report.text


@pytest.mark.parametrize(
    ("signature", "published"),
    [("2023年1月18日", "2023-01-18"), ("二〇二三年一月十八日", "2023-01-18"), ("二○二三年二月二十日", "2023-02-20")],
)
def test_signature_date_in_digits_or_chinese_numerals(signature, published):
    seed = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_text(encoding="utf-8")
    report = parse(f"{seed}\n湛河区住建局\n{signature}\n".encode(), filename="signed.txt")
    assert report.published == published
    assert report.violations == []  # published after the report year: rule 5 holds


def test_rule_1_row_total_and_rule_5_statistics_period():
    seed = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_text(encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0\t"
    assert row in seed
    edited = seed.replace(row, "一、本年新收政府信息公开申请数量\t\t2\t1\t0\t0\t0\t0\t4\t").replace(
        "一、总体情况\n", "一、总体情况\n\n本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。\n", 1
    )
    report = parse(edited.encode(), filename="edited.txt")
    found = {(v.rule, v.location): (v.expected, v.actual) for v in report.violations}
    assert found[(1, "applications.new_received")] == ("3", "4")  # rule 1 is about the row, like rule 4
    assert found[(5, "reports.year")] == ("2021", "2022")
    assert report.year == 2022  # the title's year; the disagreement is recorded, not resolved
    new = next(r for r in report.applications if r.row_key == "new_received")
    assert new.cells["total"].value == 4.0


def test_span_bomb_is_cut_with_a_warning():
    from parsers.formats.html import MAX_TABLE_CELLS, read

    bomb = b"<html><body><table>" + b"<tr><td rowspan=500 colspan=50>1</td></tr>" * 2000 + b"</table></body></html>"
    document = read(bomb)
    grid = document.blocks[0]
    assert sum(len(row) for row in grid.rows) <= MAX_TABLE_CELLS + 60 * 60
    assert document.warnings and "cut at row" in document.warnings[0]


def test_deeply_nested_markup_does_not_crash():
    opening, closing = b"<div><span>" * 5000, b"</span></div>" * 5000
    deep = b"<html><body><div id=zoom>" + opening + b"x" + closing + b"</div></body></html>"
    assert parse(deep, filename="deep.html").status in (Status.NOT_A_REPORT, Status.ERROR)


def test_a_table_in_section_five_is_not_read_as_review_rows():
    seed = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_text(encoding="utf-8")
    extra = "五、存在的主要问题及改进情况\n\n问题\t数量\t整改\n错敏信息\t3\t3\n"
    report = parse(seed.replace("五、存在的主要问题及改进情况\n", extra, 1).encode(), filename="extra.txt")
    assert report.status == Status.FULL
    assert [r.proceeding for r in report.review_litigation] == [
        "administrative_review",
        "litigation_direct",
        "litigation_after_review",
    ]
    assert report.notes == []


def _as_html(document) -> bytes:
    """The same blocks a text reader produced, written as a portal page."""
    from html import escape

    from parsers.model import Grid

    parts = ["<html><head><meta charset='utf-8'></head><body><div class='TRS_Editor'>"]
    for block in document.blocks:
        if isinstance(block, Grid):
            rows = "".join(
                "<tr>" + "".join(f"<td><p><span>{escape(c.text)}</span></p></td>" for c in row) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table border='1'>{rows}</table>")
        else:
            parts.append(f"<p>{escape(block.text)}</p>")
    parts.append("</div></body></html>")
    return "".join(parts).encode("utf-8")


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_the_same_tables_as_html_read_the_same(seed):
    from parsers.formats import read_document

    data = seed.read_bytes()
    as_text = parse(data, filename="r.txt")
    as_html = parse(_as_html(read_document(data, filename="r.txt")), filename="r.html")
    assert as_html.status == as_text.status == Status.FULL
    assert _cells(as_html) == _cells(as_text)
    assert (as_html.year, as_html.agency, as_html.template) == (as_text.year, as_text.agency, as_text.template)
    assert [v.location for v in as_html.violations] == [v.location for v in as_text.violations]


def test_report_headings_without_tables_say_so():
    seed = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_text(encoding="utf-8")
    prose = "\n".join(line for line in seed.split("\n") if "\t" not in line)
    report = parse(prose.encode(), filename="no-tables.txt")
    assert report.status == Status.UNSTRUCTURED and report.template == "unstructured"
    assert report.status_detail == "section headings of the 2019/2021 format but no table text"
