"""Regenerate ``tests/fixtures/formats/`` with real tools.

    .venv/bin/python tests/formats/make_fixtures.py

What it makes, and with what:

* ``seeds/<seed>.html`` — each seed report of ``tests/fixtures/seeds/`` read by the text reader and
  written back as plain HTML (one ``<table>`` per grid, one ``<td>`` per grid cell, nothing merged);
  ``seeds/<seed>.pdf|.docx|.doc`` — LibreOffice (Writer) converting that HTML.  The PDFs embed
  subsets of the Noto CJK fonts.
* ``report_2021.docx`` — python-docx building a complete 2021-template report with merged cells
  (``gridSpan``/``vMerge``) in the applications table, header rows marked to repeat, a running
  header and a ``- PAGE -`` footer, and enough prose that the applications table runs over a page
  break; ``report_2021.pdf`` / ``.doc`` — LibreOffice converting it.
* ``report_2021.ofd`` — the PDF's characters and rulings (read with pypdfium2) written as OFD page
  XML (GB/T 33190 ``TextObject``/``PathObject``), zipped with stdlib zipfile.
* ``stats.xlsx`` — openpyxl writing the applications table with merged cells; ``stats.xls`` —
  LibreOffice converting it.
* ``scan.pdf`` / ``scan.jpg`` — ``pdftoppm`` rendering the PDF's first page to an image, saved by
  Pillow as an image-only PDF (no text layer).
* ``encrypted.pdf`` — LibreOffice exporting a PDF with an open password.

Every file is written in binary mode and committed byte-exact; the tests never run this script.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from parsers.formats import text as text_reader  # noqa: E402
from parsers.model import Grid, Paragraph  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
OUT = ROOT / "tests" / "fixtures" / "formats"

RULE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]

#: (group label, group size or 0, row label) of the 2021 applications table, and per-row numbers
#: for the six applicant columns (the total column is computed), consistent with rules 1–3.
APPLICATION_ROWS = [
    ("一、本年新收政府信息公开申请数量", None, [31, 4, 1, 2, 3, 5]),
    ("二、上年结转政府信息公开申请数量", None, [3, 1, 0, 0, 0, 1]),
    ("（一）予以公开", "三、本年度办理结果", [12, 2, 1, 0, 1, 2]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三、本年度办理结果", [4, 0, 0, 1, 0, 1]),
    ("1.属于国家秘密", "（三）不予公开", [1, 0, 0, 0, 0, 0]),
    ("2.其他法律行政法规禁止公开", "（三）不予公开", [0, 0, 0, 0, 0, 0]),
    ("3.危及“三安全一稳定”", "（三）不予公开", [1, 0, 0, 0, 0, 0]),
    ("4.保护第三方合法权益", "（三）不予公开", [2, 1, 0, 0, 0, 0]),
    ("5.属于三类内部事务信息", "（三）不予公开", [0, 0, 0, 0, 0, 0]),
    ("6.属于四类过程性信息", "（三）不予公开", [1, 0, 0, 0, 0, 0]),
    ("7.属于行政执法案卷", "（三）不予公开", [0, 0, 0, 0, 0, 0]),
    ("8.属于行政查询事项", "（三）不予公开", [1, 0, 0, 0, 0, 0]),
    ("1.本机关不掌握相关政府信息", "（四）无法提供", [6, 1, 0, 1, 1, 1]),
    ("2.没有现成信息需要另行制作", "（四）无法提供", [1, 0, 0, 0, 0, 0]),
    ("3.补正后申请内容仍不明确", "（四）无法提供", [0, 0, 0, 0, 0, 0]),
    ("1.信访举报投诉类申请", "（五）不予处理", [1, 0, 0, 0, 0, 0]),
    ("2.重复申请", "（五）不予处理", [1, 0, 0, 0, 0, 0]),
    ("3.要求提供公开出版物", "（五）不予处理", [0, 0, 0, 0, 0, 0]),
    ("4.无正当理由大量反复申请", "（五）不予处理", [0, 0, 0, 0, 0, 0]),
    ("5.要求行政机关确认或重新出具已获取信息", "（五）不予处理", [0, 0, 0, 0, 0, 0]),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（六）其他处理", [1, 0, 0, 0, 0, 0]),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "（六）其他处理", [0, 0, 0, 0, 0, 0]),
    ("3.其他", "（六）其他处理", [0, 0, 0, 0, 0, 0]),
    ("（七）总计", "三、本年度办理结果", [32, 4, 1, 2, 2, 4]),
    ("四、结转下年度继续办理", None, [2, 1, 0, 0, 1, 2]),
]

PROSE = (
    "2021年，本机关深入贯彻落实《中华人民共和国政府信息公开条例》，围绕全区中心工作，"
    "坚持以公开为常态、不公开为例外，持续加强政府信息主动公开、依申请公开、政府信息管理和平台建设，"
    "不断提升政务公开质量和实效，切实保障人民群众的知情权、参与权、表达权和监督权。"
)


def soffice_convert(sources: list[Path], target: str, outdir: Path, infilter: str | None = None) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xxgknb-fixtures-") as profile:
        command = ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", target, "--outdir", str(outdir), *map(str, sources)]
        subprocess.run(command, check=True, capture_output=True, timeout=300)


# ---------------------------------------------------------------- seeds


def grid_html(grid: Grid) -> str:
    rows = [
        "<tr>" + "".join(f"<td>{html.escape(cell.text)}</td>" for cell in row) + "</tr>" for row in grid.rows
    ]
    return '<table border="1" cellspacing="0" cellpadding="3">\n' + "\n".join(rows) + "\n</table>"


def seed_html(seed: Path) -> str:
    document = text_reader.read(seed.read_bytes(), filename=seed.name)
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title></title>',
        '<style>body, td { font-family: "Noto Serif CJK SC"; font-size: 10pt; }</style></head><body>',
    ]
    for block in document.blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        else:
            parts.append(grid_html(block))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def make_seeds() -> None:
    folder = OUT / "seeds"
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for seed in sorted(SEEDS.glob("*.txt")):
        target = folder / f"{seed.stem}.html"
        target.write_bytes(seed_html(seed).encode("utf-8"))
        sources.append(target)
    soffice_convert(sources, "pdf:writer_pdf_Export", folder, infilter="HTML (StarWriter)")
    soffice_convert(sources, "docx:MS Word 2007 XML", folder, infilter="HTML (StarWriter)")
    soffice_convert(sources, "doc:MS Word 97", folder, infilter="HTML (StarWriter)")


# ---------------------------------------------------------------- the 2021 report with merged cells


def application_numbers() -> list[tuple[str, str | None, list[int]]]:
    return [(label, group, [*values, sum(values)]) for label, group, values in APPLICATION_ROWS]


def make_report_docx(path: Path) -> None:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    section = document.sections[0]
    section.header.paragraphs[0].text = "示例区人民政府办公室政府信息公开工作年度报告"
    footer = section.footer.paragraphs[0]
    footer.add_run("- ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    footer.add_run(" -")

    document.add_paragraph("示例区人民政府办公室2021年政府信息公开工作年度报告")
    document.add_paragraph("一、总体情况")
    for _ in range(7):
        document.add_paragraph(PROSE)
    document.add_paragraph("二、主动公开政府信息情况")
    disclosure = [
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "3", "1", "27"],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "本年处理决定数量", "", ""],
        ["行政许可", "1520", "", ""],
        ["第二十条第（六）项", "", "", ""],
        ["信息内容", "本年处理决定数量", "", ""],
        ["行政处罚", "86", "", ""],
        ["行政强制", "4", "", ""],
        ["第二十条第（八）项", "", "", ""],
        ["信息内容", "本年收费金额（单位：万元）", "", ""],
        ["行政事业性收费", "25.1000", "", ""],
    ]
    table = document.add_table(rows=len(disclosure), cols=4)
    table.style = "Table Grid"
    for r, values in enumerate(disclosure):
        if values[1] == "":
            table.cell(r, 0).merge(table.cell(r, 3))
        elif values[2] == "":
            table.cell(r, 1).merge(table.cell(r, 3))
        for c, value in enumerate(values):
            if value:
                table.cell(r, c).text = value

    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows = application_numbers()
    table = document.add_table(rows=3 + len(rows), cols=10)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(2, 2)).text = RULE_NOTE
    table.cell(0, 3).merge(table.cell(0, 9)).text = "申请人情况"
    table.cell(1, 3).merge(table.cell(2, 3)).text = "自然人"
    table.cell(1, 4).merge(table.cell(1, 8)).text = "法人或其他组织"
    table.cell(1, 9).merge(table.cell(2, 9)).text = "总计"
    for c, label in enumerate(APPLICANTS[1:6]):
        table.cell(2, 4 + c).text = label
    for r in range(3):
        properties = table.rows[r]._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:tblHeader"))
    groups: dict[str, list[int]] = {}
    for offset, (label, group, values) in enumerate(rows):
        r = 3 + offset
        if group is None:
            table.cell(r, 0).merge(table.cell(r, 2)).text = label
        elif group == "三、本年度办理结果":
            table.cell(r, 1).merge(table.cell(r, 2)).text = label
        else:
            table.cell(r, 2).text = label
            groups.setdefault(group, []).append(r)
        if group is not None:
            groups.setdefault("三、本年度办理结果", []).append(r)
        for c, value in enumerate(values):
            table.cell(r, 3 + c).text = str(value)
    for group, members in groups.items():
        column = 0 if group == "三、本年度办理结果" else 1
        table.cell(min(members), column).merge(table.cell(max(members), column)).text = group

    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    outcome = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    table = document.add_table(rows=4, cols=15)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(1, 4)).text = "行政复议"
    table.cell(0, 5).merge(table.cell(0, 14)).text = "行政诉讼"
    table.cell(1, 5).merge(table.cell(1, 9)).text = "未经复议直接起诉"
    table.cell(1, 10).merge(table.cell(1, 14)).text = "复议后起诉"
    values = [2, 1, 0, 1, 4, 1, 0, 0, 1, 2, 0, 1, 0, 0, 1]
    for c in range(15):
        table.cell(2, c).text = outcome[c % 5]
        table.cell(3, c).text = str(values[c])
    # The 行政复议 header spans rows 0-1 in the printed template; row 2 repeats its outcomes.
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph(PROSE)
    document.add_paragraph("六、其他需要报告的事项")
    paragraph = document.add_paragraph("本机关2021年未收取信息处理费。")
    paragraph.add_run().add_break(WD_BREAK.LINE)
    document.add_paragraph("示例区人民政府办公室")
    document.add_paragraph("2022年1月20日")
    document.save(path)


def make_stats_xlsx(path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "申请情况"
    sheet.merge_cells("A1:C3")
    sheet["A1"] = RULE_NOTE
    sheet.merge_cells("D1:J1")
    sheet["D1"] = "申请人情况"
    sheet.merge_cells("D2:D3")
    sheet["D2"] = "自然人"
    sheet.merge_cells("E2:I2")
    sheet["E2"] = "法人或其他组织"
    sheet.merge_cells("J2:J3")
    sheet["J2"] = "总计"
    for c, label in enumerate(APPLICANTS[1:6]):
        sheet.cell(row=3, column=5 + c, value=label)
    groups: dict[str, list[int]] = {}
    for offset, (label, group, values) in enumerate(application_numbers()):
        r = 4 + offset
        if group is None:
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
            sheet.cell(row=r, column=1, value=label)
        elif group == "三、本年度办理结果":
            sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
            sheet.cell(row=r, column=2, value=label)
        else:
            sheet.cell(row=r, column=3, value=label)
            groups.setdefault(group, []).append(r)
        if group is not None:
            groups.setdefault("三、本年度办理结果", []).append(r)
        for c, value in enumerate(values):
            sheet.cell(row=r, column=4 + c, value=value)
    for group, members in groups.items():
        column = 1 if group == "三、本年度办理结果" else 2
        sheet.merge_cells(start_row=min(members), start_column=column, end_row=max(members), end_column=column)
        sheet.cell(row=min(members), column=column, value=group)
    workbook.save(path)


# ---------------------------------------------------------------- OFD from the PDF's layout


def pdf_to_ofd(pdf_path: Path, ofd_path: Path) -> None:
    """Write the PDF's characters and straight rulings as OFD pages (units: mm, origin top-left)."""
    import pypdfium2 as pdfium

    from parsers.formats import pdf as pdf_reader

    mm = 25.4 / 72
    document = pdfium.PdfDocument(str(pdf_path))
    pages_xml = []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        rulings, _images, _image_share = pdf_reader._page_rulings(page, width, height, index, [])
        chars = pdf_reader._page_chars(page, height, index, [], rulings)
        objects = []
        object_id = 1000 * (index + 1)
        for char in chars:
            object_id += 1
            size = (char.bottom - char.top) * mm
            baseline = char.top * mm + size * 0.88
            width = (char.x1 - char.x0) * mm
            advance = (width - size) / (len(char.text) - 1) if len(char.text) > 1 else 0
            delta = f' DeltaX="g {len(char.text) - 1} {advance:.3f}"' if len(char.text) > 1 else ""
            objects.append(
                f'<ofd:TextObject ID="{object_id}" Boundary="{char.x0 * mm:.3f} {baseline - size:.3f} '
                f'{max(width, 0.1):.3f} {size * 1.2:.3f}" Font="1" Size="{size:.3f}">'
                f'<ofd:TextCode X="0" Y="{size:.3f}"{delta}>{html.escape(char.text)}</ofd:TextCode></ofd:TextObject>'
            )
        for ruling in rulings:
            object_id += 1
            x0, y0, x1, y1 = (v * mm for v in (ruling.x0, ruling.y0, ruling.x1, ruling.y1))
            objects.append(
                f'<ofd:PathObject ID="{object_id}" Boundary="{x0:.3f} {y0:.3f} {max(x1 - x0, 0.1):.3f} '
                f'{max(y1 - y0, 0.1):.3f}" LineWidth="0.1"><ofd:AbstractData>M 0 0 L {x1 - x0:.3f} {y1 - y0:.3f}'
                "</ofd:AbstractData></ofd:PathObject>"
            )
        pages_xml.append(
            '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            f'<ofd:Area><ofd:PhysicalBox>0 0 {width * mm:.3f} {height * mm:.3f}</ofd:PhysicalBox></ofd:Area>'
            f'<ofd:Content><ofd:Layer ID="{index + 1}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
        )
        page.close()
    document.close()
    ofd_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1" '
        'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>xxgknb-fixture</ofd:DocID>'
        "<ofd:Title>示例区人民政府办公室2021年政府信息公开工作年度报告</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page_list = "".join(
        f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages_xml))
    )
    document_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">'
        '<ofd:CommonData><ofd:MaxUnitID>999999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
        "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"
    )
    public_res = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="1" FontName="Noto Serif CJK SC"/></ofd:Fonts></ofd:Res>'
    )
    with zipfile.ZipFile(ofd_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", ofd_xml)
        archive.writestr("Doc_0/Document.xml", document_xml)
        archive.writestr("Doc_0/PublicRes.xml", public_res)
        for i, page_xml in enumerate(pages_xml):
            archive.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page_xml)


# ---------------------------------------------------------------- scans and hostile files


def make_scan(pdf_path: Path, jpg_path: Path, scan_pdf: Path) -> None:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", "2", "-l", "2", str(pdf_path),
                        f"{tmp}/page"], check=True, timeout=120)
        image = Image.open(next(Path(tmp).glob("page*.png"))).convert("L")
        image.save(jpg_path, "JPEG", quality=60)
        image.save(scan_pdf, "PDF", resolution=150.0)


def make_encrypted(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "encrypted.html"
        source.write_bytes("<html><body><p>加密的年度报告</p></body></html>".encode())
        options = ('{"EncryptFile":{"type":"boolean","value":"true"},'
                   '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
        soffice_convert([source], f"pdf:writer_pdf_Export:{options}", folder, infilter="HTML (StarWriter)")


def main() -> None:
    if "--ofd-only" in sys.argv:  # the OFD is derived from the committed PDF alone
        pdf_to_ofd(OUT / "report_2021.pdf", OUT / "report_2021.ofd")
        return
    if shutil.which("soffice") is None:
        sys.exit("soffice (LibreOffice) is needed to regenerate the fixtures")
    OUT.mkdir(parents=True, exist_ok=True)
    make_seeds()
    docx_path = OUT / "report_2021.docx"
    make_report_docx(docx_path)
    soffice_convert([docx_path], "pdf:writer_pdf_Export", OUT)
    soffice_convert([docx_path], "doc:MS Word 97", OUT)
    pdf_to_ofd(OUT / "report_2021.pdf", OUT / "report_2021.ofd")
    make_stats_xlsx(OUT / "stats.xlsx")
    soffice_convert([OUT / "stats.xlsx"], "xls:MS Excel 97", OUT)
    make_scan(OUT / "report_2021.pdf", OUT / "scan.jpg", OUT / "scan.pdf")
    make_encrypted(OUT)
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.stat().st_size:>8}  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
