"""Parse throughput on one core: reports/second for a ~100 KB HTML report and for a text report.

    .venv/bin/python benchmarks/bench_parse.py [--seconds 3]

The one-core figure is reports per CPU second of this process in the best of several batches
(median batch and wall-clock rate are printed too; both drop when other work shares the machine).

The HTML report is the TRS fixture inflated the way Word-exported CMS pages are: every cell
and paragraph wrapped in styled ``<span>``s, a long 总体情况, and a navigation of a few hundred
links around the body.
Only ``parsers.parse`` is timed (bytes in, Report out).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from cpu_rate import batch_rates

from parsers import parse
from parsers.model import Status

ROOT = Path(__file__).resolve().parents[1]
_SPAN = '<span style="font-family:仿宋_GB2312;font-size:16px;line-height:28px;color:#333333;mso-spacerun:yes">'


def inflated_html_report(target_bytes: int = 100_000) -> bytes:
    page = (ROOT / "tests/fixtures/reports/trs_2021.html").read_text(encoding="utf-8")
    # Word/UEditor output: styled spans inside every cell
    page = re.sub(
        r"<td([^>]*)>(?!<p>)([^<]*)</td>",
        rf"<td\1 style=\"border:1px solid #000;padding:2px\">{_SPAN}\2</span></td>",
        page,
    )
    page = page.replace("<p>", f'<p style="text-align:center;margin:0 0 0 0;text-indent:0">{_SPAN}').replace(
        "</p>", "</span></p>"
    )
    sentence = (
        "2022年，我局坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，"
        "围绕中心工作，聚焦群众关切，持续深化政务公开，不断提升政务公开标准化规范化水平。"
    )
    nav = "".join(f'<li><a href="/col/col{1000 + i}/index.html" target="_blank">栏目{i}</a></li>' for i in range(300))
    page = page.replace('<div class="header"><ul class="nav">', f'<div class="header"><ul class="nav">{nav}')
    paragraph = f'<p style="text-indent:2em;line-height:28px">{_SPAN}{sentence}</span></p>\n'
    missing = target_bytes - len(page.encode("utf-8"))
    filler = paragraph * max(0, missing // len(paragraph.encode("utf-8")) + 1)
    marker = page.index("二、主动公开政府信息情况")
    marker = page.rindex("<p", 0, marker)
    return (page[:marker] + filler + page[marker:]).encode("utf-8")


def measure(data: bytes, filename: str, seconds: float) -> tuple[float, float, float]:
    """Reports per CPU second of this process: (best batch, median batch), and the wall-clock rate."""
    report = parse(data, filename=filename)
    assert report.status == Status.FULL, (filename, report.status, report.status_detail)

    def one() -> int:
        parse(data, filename=filename)
        return 1

    return batch_rates(one, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per measurement")
    args = parser.parse_args()
    html = inflated_html_report()
    text = (ROOT / "tests/fixtures/seeds/000_5101592a4cecb7a5.txt").read_bytes()
    for label, data, name in (("HTML report", html, "report.html"), ("text report", text, "report.txt")):
        best, median, wall = measure(data, name, args.seconds)
        print(
            f"{label:12} {len(data) / 1024:6.1f} KB  {best:7.1f} reports/s on one core "
            f"(median batch {median:.1f}/s; wall clock {wall:.1f}/s; load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
