"""Finding table rules in a page image (pure: bytes of a grayscale bitmap)."""

from __future__ import annotations

from parsers.formats.ocr import OcrPage, document_from_pages, find_rules


def bitmap(width: int, height: int, lines: list[tuple[int, int, int, int]]) -> bytes:
    pixels = bytearray(b"\xff" * (width * height))
    for x0, y0, x1, y1 in lines:
        for y in range(y0, y1 + 1):
            pixels[y * width + x0:y * width + x1 + 1] = b"\x00" * (x1 - x0 + 1)
    return bytes(pixels)


def test_rules_of_a_two_by_two_table_are_found_and_painted_out():
    # 200 dpi: a 400×200 px table, cells 200×100 px, 2 px rules; a short dash that is no rule.
    lines = [(0, 0, 399, 1), (0, 100, 399, 101), (0, 198, 399, 199),
             (0, 0, 1, 199), (200, 0, 201, 199), (398, 0, 399, 199), (50, 150, 70, 151)]
    pixels = bitmap(420, 220, lines)
    rules, cleaned = find_rules(pixels, 420, 220, 200)
    horizontal_ys = sorted({round(r.y0 * 200 / 72) for r in rules if r.y0 == r.y1})
    vertical_xs = sorted({round(r.x0 * 200 / 72) for r in rules if r.x0 == r.x1})
    assert horizontal_ys == [0, 1, 100, 101, 198, 199]
    assert vertical_xs == [0, 1, 200, 201, 398, 399]
    assert cleaned[100 * 420 + 50] == 255 and cleaned[150 * 420 + 60] == 0  # rule gone, dash kept


def test_words_are_placed_in_the_cells_the_rules_make():
    lines = [(0, 0, 399, 1), (0, 100, 399, 101), (0, 198, 399, 199),
             (0, 0, 1, 199), (200, 0, 201, 199), (398, 0, 399, 199)]
    rules, _ = find_rules(bitmap(420, 220, lines), 420, 220, 200)
    tsv = "\n".join([
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t20\t40\t60\t20\t95\t行政许可",
        "5\t1\t1\t1\t1\t2\t220\t40\t40\t20\t95\t|1520",
        "5\t1\t1\t1\t2\t1\t20\t140\t60\t20\t95\t行政处罚",
        "5\t1\t1\t1\t2\t2\t220\t140\t20\t20\t95\t，86",
    ])
    document = document_from_pages([OcrPage(420, 220, 200, tsv, rules)], fmt="pdf")
    (grid,) = document.blocks
    assert [[cell.text for cell in row] for row in grid.rows] == [["行政许可", "1520"], ["行政处罚", "86"]]
    assert all(cell.ocr for row in grid.rows for cell in row)
