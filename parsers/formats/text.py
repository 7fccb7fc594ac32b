"""Plain-text reports: decode, then turn text renderings of tables back into grids.

Copies of reports saved as text show tables in (at least) three ways, all handled here:

* **tab-separated rows** – one table row per line, cells separated by tabs (blank lines may
  interrupt a table);
* **pipe-and-newline cells** – a row starts with a line ``| …``; every cell ends at a ``|``;
  a cell may run over several lines (``商业\\n企业``); runs like ``|||`` are padding cells;
* **one cell per line** – every cell on its own line prefixed by a tab, rows separated by
  blank lines; a line without the tab continues the previous cell (``本年新\\n制作数量``);
* **space-aligned rows** (text extracted from PDFs) – cells separated by runs of two or more
  spaces, taken as a table only when several of its lines carry numbers.

Everything else becomes one :class:`Paragraph` per non-blank line.
"""

from __future__ import annotations

import re

from parsers.decode import decode
from parsers.model import Document, Grid, GridCell, Paragraph, Status
from parsers.report.labels import grid_cell, is_value_like, join_lines

_PIPE_ONLY = re.compile(r"^\|+\s*$")
_SPACE_GAP = re.compile(r"[ \u3000\xa0]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def read(data: bytes, *, filename: str | None = None, fmt: str = "text", declared: str | None = None) -> Document:
    text, _encoding = decode(data, declared)
    if looks_binary(text):
        return Document(format="text", status=Status.ERROR, status_detail="binary data, not text")
    return Document(format="text", blocks=text_to_blocks(text))


def looks_binary(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)


def _is_tab_row(line: str) -> bool:
    """A tab-separated row: a tab after the first cell's text (a leading tab alone is a cell line)."""
    return "\t" in line.lstrip("\t").rstrip() or (line.count("\t") >= 2 and bool(line.strip()))


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and not _is_tab_row(line)


def _is_pipe_row_start(line: str) -> bool:
    return line.startswith("| ") or (line.startswith("|") and len(line) > 1 and not _PIPE_ONLY.match(line))


def text_to_blocks(text: str) -> list:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _is_pipe_row_start(line):
            i = _read_pipe_table(lines, i, blocks)
        elif _is_tab_row(line):
            i = _read_tab_table(lines, i, blocks)
        elif _is_cell_line(line):
            i = _read_cell_per_line_table(lines, i, blocks)
        elif (end := _space_table_end(lines, i)) is not None:
            i = _read_space_table(lines, i, end, blocks)
        else:
            if line.strip():
                blocks.append(Paragraph(text=line.strip(), source=f"line {i + 1}"))
            i += 1
    return blocks


def _cell(text: str, source: str) -> GridCell:
    return grid_cell(join_lines(text.split("\n")), source)


def _grid(rows: list[list[GridCell]], source: str) -> Grid:
    width = max((len(r) for r in rows), default=0)
    return Grid(rows=[r + [GridCell("", "")] * (width - len(r)) for r in rows], source=source)


def _read_tab_table(lines: list[str], start: int, blocks: list) -> int:
    rows: list[list[GridCell]] = []
    i = start
    while i < len(lines):
        line = lines[i]
        # inside a table, "行政处罚\t" is a row whose only value cell is blank
        if _is_tab_row(line) or (rows and line.strip() and line.rstrip(" ").endswith("\t")):
            rows.append(
                [grid_cell(join_lines([c]), f"line {i + 1} col {k + 1}") for k, c in enumerate(line.split("\t"))]
            )
            i += 1
            continue
        if not line.strip():
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _is_tab_row(lines[j]):
                i = j
                continue
        break
    if len(rows) == 1 and sum(1 for c in rows[0] if c.text) <= 1:
        blocks.append(Paragraph(text=join_lines(c.text for c in rows[0]), source=f"line {start + 1}"))
    else:
        blocks.append(_grid(rows, f"text lines {start + 1}-{i}"))
    return i


def _space_cells(line: str) -> list[str]:
    cells = [c.strip() for c in _SPACE_GAP.split(line.strip())]
    return cells if len(cells) >= 3 else []


def _space_table_end(lines: list[str], start: int) -> int | None:
    """End of a run of space-aligned rows starting at ``start``, if the run looks like a table."""
    if not _space_cells(lines[start]):
        return None
    i, numeric_rows, last_row = start, 0, start
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        cells = _space_cells(lines[i])
        if not cells or "\t" in lines[i] or lines[i].startswith("|"):
            break
        values = sum(1 for c in cells if is_value_like(c))
        if numeric_rows and not values:
            break  # header lines come first; a line without numbers after the data is text again
        if not numeric_rows and i - start >= 4 and not values:
            return None  # no numbers under a few header lines: text laid out with spaces
        numeric_rows += values >= 2
        last_row = i
        i += 1
    return last_row + 1 if numeric_rows >= 2 else None


def _read_space_table(lines: list[str], start: int, end: int, blocks: list) -> int:
    rows = [
        [grid_cell(cell, f"line {i + 1} col {k + 1}") for k, cell in enumerate(_space_cells(lines[i]))]
        for i in range(start, end)
        if lines[i].strip()
    ]
    blocks.append(_grid(rows, f"text lines {start + 1}-{end}"))
    return end


def _read_cell_per_line_table(lines: list[str], start: int, blocks: list) -> int:
    rows: list[list[GridCell]] = []
    row: list[list[str]] = []  # cells as lists of lines
    row_lines: list[int] = []
    i = start
    previous_blank = False

    def close_row():
        if row:
            rows.append([_cell("\n".join(parts), f"line {ln}") for parts, ln in zip(row, row_lines, strict=True)])
            row.clear()
            row_lines.clear()

    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            if previous_blank:
                close_row()
            row.append([line[1:]])
            row_lines.append(i + 1)
            previous_blank = False
        elif not line.strip():
            previous_blank = True
        elif not previous_blank and row and not _is_tab_row(line) and not _is_pipe_row_start(line):
            row[-1].append(line)  # continuation of the cell above
        else:
            break
        i += 1
    close_row()
    blocks.append(_grid(rows, f"text lines {start + 1}-{i}"))
    return i


def _pipe_region_end(lines: list[str], start: int) -> int:
    """End (exclusive) of the pipe table starting at ``start``."""
    i = start
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            i += 1
            continue
        if not line.strip():
            break
        if line.rstrip().endswith("|"):
            i += 1
            continue
        # A content line belongs to the table when a cell separator follows it (multi-line cells
        # allowed); text followed by a new row ("| …") is a heading between two tables.
        k = i + 1
        while k < len(lines) and k - i <= 6 and lines[k].strip() and not lines[k].startswith("|"):
            if lines[k].rstrip().endswith("|"):
                break
            k += 1
        if k < len(lines) and (
            _PIPE_ONLY.match(lines[k]) or (lines[k].rstrip().endswith("|") and not lines[k].startswith("|"))
        ):
            i = k if _PIPE_ONLY.match(lines[k]) else k + 1
            continue
        if is_value_like(line) and i > start and _PIPE_ONLY.match(lines[i - 1]):
            return i + 1  # the last cell of a table that is not closed by a pipe
        break
    return i


def _read_pipe_table(lines: list[str], start: int, blocks: list) -> int:
    end = _pipe_region_end(lines, start)
    rows: list[list[GridCell]] = []
    row_start = None

    def flush(first: int, last: int):
        chunk = "\n".join(lines[first:last])
        pieces = chunk.split("|")[1:]
        rows.append([_cell(piece, f"line {first + 1} cell {k + 1}") for k, piece in enumerate(pieces)])

    for i in range(start, end):
        if _is_pipe_row_start(lines[i]):
            if row_start is not None:
                flush(row_start, i)
            row_start = i
    if row_start is not None:
        flush(row_start, end)
    for row in rows:
        while row and not row[-1].text:
            row.pop()
    rows = [r for r in rows if r]
    if rows:
        blocks.append(_grid(rows, f"text lines {start + 1}-{end}"))
    return max(end, start + 1)
