"""XLS and XLSX: the statistics tables some portals post as spreadsheets.

Every sheet becomes a :class:`Paragraph` with its name followed by a :class:`Grid` of its used
range, merged cells expanded like an HTML ``rowspan``/``colspan`` (copies carry
:attr:`GridCell.origin`).  Numbers are rendered as the sheet displays them where the format says so
(``0.0000`` keeps four decimals; a whole number stored as ``3.0`` reads ``3``), because the
report's ``raw`` column keeps the text as printed.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

from parsers.formats._limits import BoundedZip, LimitExceeded
from parsers.model import Document, Grid, GridCell, Paragraph, Status

MAX_SHEETS = 50
MAX_ROWS = 5_000
MAX_COLS = 200
#: XLS files larger than this are not statistics annexes (xlrd holds the whole file in memory).
MAX_XLS_BYTES = 64 * 1024 * 1024

_FIXED_DECIMALS = re.compile(r"^[#,]*0(?:\.(0+))?(%?)$")


def read(data: bytes, *, filename: str | None = None, fmt: str = "xlsx") -> Document:
    try:
        sheets, warnings = _read_xlsx(data) if fmt == "xlsx" else _read_xls(data)
    except LimitExceeded as exc:
        return Document(format=fmt, status=Status.ERROR, status_detail=f"{fmt.upper()} over limits: {exc}")
    except Exception as exc:  # openpyxl and xlrd raise many unrelated types on corrupt files
        return Document(format=fmt, status=Status.ERROR,
                        status_detail=f"unreadable {fmt.upper()}: {type(exc).__name__}: {exc}")
    blocks: list[Paragraph | Grid] = []
    for name, rows in sheets:
        if not any(cell.text for row in rows for cell in row):
            continue
        blocks.append(Paragraph(text=name, source=f"{fmt} sheet {name}"))
        blocks.append(Grid(rows=rows, source=f"{fmt} sheet {name}"))
    return Document(format=fmt, blocks=blocks, warnings=warnings)


def format_number(value: float, number_format: str = "General") -> str:
    """The number as a spreadsheet shows it under ``number_format`` (the common cases)."""
    match = _FIXED_DECIMALS.match((number_format or "").strip())
    if match:
        decimals = len(match.group(1) or "")
        if match.group(2):
            return f"{value * 100:.{decimals}f}%"
        return f"{value:.{decimals}f}"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _expand(values: list[list[str]], merges: list[tuple[int, int, int, int]], source) -> list[list[GridCell]]:
    """Cell texts + merged ranges (first row, last row, first col, last col; inclusive) → grid rows."""
    origin_of: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, r1, c0, c1 in merges:
        for r in range(r0, min(r1, MAX_ROWS - 1) + 1):
            for c in range(c0, min(c1, MAX_COLS - 1) + 1):
                if (r, c) != (r0, c0):
                    origin_of[(r, c)] = (r0, c0)
    width = max((len(row) for row in values), default=0)
    rows: list[list[GridCell]] = []
    for r, row in enumerate(values):
        cells = []
        for c in range(width):
            origin = origin_of.get((r, c))
            if origin is not None:
                o_row, o_col = origin
                text = values[o_row][o_col] if o_row < len(values) and o_col < len(values[o_row]) else ""
                cells.append(GridCell(text=text, source=source(o_row, o_col), origin=origin))
            else:
                cells.append(GridCell(text=row[c] if c < len(row) else "", source=source(r, c)))
        rows.append(cells)
    return rows


def _column_letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _clean(text: str) -> str:
    return " ".join(text.split())


def _read_xlsx(data: bytes) -> tuple[list[tuple[str, list[list[GridCell]]]], list[str]]:
    import openpyxl  # imported here so that reading HTML never loads it

    BoundedZip(data).check_declared_sizes()
    workbook = openpyxl.load_workbook(BytesIO(data), data_only=True)
    warnings: list[str] = []
    sheets = []
    for sheet in workbook.worksheets[:MAX_SHEETS]:
        if sheet.max_row > MAX_ROWS or sheet.max_column > MAX_COLS:
            warnings.append(f"sheet {sheet.title}: cut to {MAX_ROWS} rows × {MAX_COLS} columns")
        values: list[list[str]] = []
        for row in sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS), max_col=min(sheet.max_column, MAX_COLS)):
            values.append([_xlsx_text(cell) for cell in row])
        while values and not any(values[-1]):
            values.pop()
        merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
        title = sheet.title

        def source(r: int, c: int, title: str = title) -> str:
            return f"xlsx sheet {title} {_column_letters(c)}{r + 1}"

        sheets.append((title, _expand(values, merges, source)))
    if len(workbook.worksheets) > MAX_SHEETS:
        warnings.append(f"only the first {MAX_SHEETS} of {len(workbook.worksheets)} sheets read")
    return sheets, warnings


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        return format_number(value, cell.number_format)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) or not value.time() else value.isoformat()
    return _clean(str(value))


def _read_xls(data: bytes) -> tuple[list[tuple[str, list[list[GridCell]]]], list[str]]:
    import xlrd

    if len(data) > MAX_XLS_BYTES:
        raise LimitExceeded(f"{len(data) // 2**20} MB XLS file")
    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    warnings: list[str] = []
    sheets = []
    try:
        for index in range(min(book.nsheets, MAX_SHEETS)):
            sheet = book.sheet_by_index(index)
            if sheet.nrows > MAX_ROWS or sheet.ncols > MAX_COLS:
                warnings.append(f"sheet {sheet.name}: cut to {MAX_ROWS} rows × {MAX_COLS} columns")
            values = [
                [_xls_text(book, sheet, r, c) for c in range(min(sheet.ncols, MAX_COLS))]
                for r in range(min(sheet.nrows, MAX_ROWS))
            ]
            merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
            name = sheet.name

            def source(r: int, c: int, name: str = name) -> str:
                return f"xls sheet {name} {_column_letters(c)}{r + 1}"

            sheets.append((name, _expand(values, merges, source)))
        if book.nsheets > MAX_SHEETS:
            warnings.append(f"only the first {MAX_SHEETS} of {book.nsheets} sheets read")
    finally:
        book.release_resources()
    return sheets, warnings


def _xls_text(book, sheet, r: int, c: int) -> str:
    import xlrd

    cell = sheet.cell(r, c)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
        number_format = book.format_map[xf.format_key].format_str if xf is not None else "General"
        return format_number(cell.value, number_format)
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date().isoformat()
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    return _clean(str(cell.value))
