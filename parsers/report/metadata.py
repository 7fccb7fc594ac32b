"""Report metadata: title, year, agency, publication date, level and kind of body."""

from __future__ import annotations

import re

from parsers.model import Document, Paragraph, Region
from parsers.regions import is_region_name
from parsers.report.labels import collapse, halfwidth
from parsers.report.sections import heading_number

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*(?:年度|年|度)")
#: A year in Chinese numerals before 年: 二〇二二年, 二○二二年度, 二零二二年.
_CN_YEAR = re.compile(r"([一二][〇○零九][〇○零一二三四五六七八九]{2})(?=\s*年)")
_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计期间|统计周期|数据统计)[^。]{0,20}?((?:19|20)\d{2})\s*年\s*(?:1|一)\s*月\s*(?:1|一)\s*日"
    r"[^。]{0,12}?((?:19|20)\d{2})\s*年\s*(?:12|十二)\s*月\s*(?:31|三十一)\s*日"
)
_PERIOD_WORDS = re.compile(r"统计期限|统计时限|统计期间|统计周期|数据统计")
_LEADING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年度?\s*(?:[,，、:：]|以来|全年|[^\d年]{0,3}[我本该])")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_SIGNATURE_DATE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
#: A signature date in Chinese numerals: 二〇二三年一月十八日.
_CN_SIGNATURE_DATE = re.compile(
    r"^\s*([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日\s*$"
)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
_TITLE_WORDS = re.compile(r"(政府|政务)?信息公开.{0,6}(年度报告|工作报告|年报)|年度报告")
_ORGAN_SUFFIX = (
    r"人民政府办公室|人民政府办公厅|人民政府|街道办事处|办事处|管理委员会|委员会|办公室|办公厅|"
    r"政府|局|委|厅|署|院|中心|所|站|部|会|街道|镇|乡|办"
)
_BODY_AGENCY = re.compile(
    r"(?:^|[。；;\n])\s*(?:19|20)\d{2}\s*年度?\s*[,，]?\s*((?!我|本)[\u4e00-\u9fff（）()]{2,30}?(?:"
    + _ORGAN_SUFFIX
    + r"))"
)
_AGENCY_BEFORE_YEAR = re.compile(r"^(.{2,40}?)\s*(?:关于)?\s*(?:19|20)\d{2}\s*(?:年度|年|度)")
_AGENCY_AFTER_YEAR = re.compile(r"^(?:19|20)\d{2}\s*(?:年度|年|度)\s*(.{2,40}?)\s*(?:政府|政务)?信息公开")

METADATA_TITLE_KEYS = ("ArticleTitle", "标题", "名称", "文件名称", "信息名称", "title")
METADATA_DATE_KEYS = ("PubDate", "发布日期", "发布时间", "公开日期", "pubdate", "publishdate")
METADATA_AGENCY_KEYS = ("发布机构", "发文机关", "所属机构", "发布单位", "ContentSource", "来源")


def _first_metadata(metadata: dict[str, str], keys) -> str | None:
    for key in keys:
        value = metadata.get(key)
        if value and value.strip():
            return collapse(value)
    return None


def find_title(document: Document) -> str | None:
    """The document's declared title, else the line(s) before the first section heading."""
    declared = document.title or _first_metadata(document.metadata, METADATA_TITLE_KEYS)
    if declared:
        return collapse(declared)
    lines: list[str] = []
    for block in document.blocks:
        if not isinstance(block, Paragraph):
            break
        if heading_number(block.text) is not None:
            break
        lines.append(collapse(block.text))
        if len(lines) > 4:
            break
    for count in range(min(len(lines), 3), 0, -1):
        # a title wrapped over two or three lines, e.g. "…人民政府办公室2022年政府" / "信息公开工作年度报告"
        for start in range(0, len(lines) - count + 1):
            candidate = "".join(lines[start : start + count])
            if len(candidate) <= 80 and _TITLE_WORDS.search(candidate):
                return candidate
    return None


def find_year(title: str | None, plain_text: str) -> tuple[int | None, int | None, int | None]:
    """``(year, year_in_title, year_of_statistics_period)``; the report year prefers the title.

    ``plain_text`` is the document text (its start is enough).
    """
    title_year = None
    if title:
        match = _YEAR_IN_TITLE.search(arabic_years(halfwidth(title)))
        if match:
            title_year = int(match.group(1))
    period = _find_period(plain_text[:20000])
    period_year = int(period.group(1)) if period and period.group(1) == period.group(2) else None
    year = title_year or period_year
    if year is None:
        for line in plain_text[:20000].split("\n")[:60]:
            match = _LEADING_YEAR.match(line)
            if match:
                year = int(match.group(1))
                break
    return year, title_year, period_year


def arabic_years(text: str) -> str:
    """Years written in Chinese numerals as digits: ``二〇二二年度`` → ``2022年度``."""
    if not _CN_YEAR.search(text):
        return text
    return _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group(1)), text)


def _find_period(text: str) -> re.Match | None:
    """The 统计期限 sentence, its digits folded to half width and Chinese-numeral years to digits."""
    # only the sentences around the period words need folding, not the whole text
    for words in _PERIOD_WORDS.finditer(text):
        match = _PERIOD.match(arabic_years(halfwidth(text[words.start() : words.start() + 120])))
        if match:
            return match
    return None


def find_agency(title: str | None, plain_text: str, metadata: dict[str, str], signature: list[str] = ()) -> str | None:
    """The reporting body: from the title, else the first sentence of the body, else the metadata block.

    A region-wide report's title names only the place ("2022年湛河区政府信息公开工作年度报告"):
    the body is then that place's government as the signature or the 发布机构 names it, else
    the place + 人民政府.  ("湛河区人民政府办公室…" is the office's own report, a different one.)
    ``signature`` is the closing lines of the text.
    """
    named = _named_agency(title, plain_text, metadata)
    if named is None or not is_region_name(named):
        return named
    for candidate in [*reversed(signature), *(metadata.get(key, "") for key in METADATA_AGENCY_KEYS)]:
        candidate = collapse(halfwidth(candidate)).replace(" ", "")
        if body_kind(candidate) == "government" and _same_place(named, candidate):
            return candidate
    return named + "人民政府"


def _same_place(place: str, government: str) -> bool:
    """``government`` (东城区人民政府, 北京市东城区政府) is the government of ``place`` (北京市东城区)."""
    own = re.sub(r"(人民政府|政府)$", "", government)
    return bool(own) and (place.endswith(own) or own.endswith(place))


def _named_agency(title: str | None, plain_text: str, metadata: dict[str, str]) -> str | None:
    if title:
        plain = re.sub(r"^(关于|印发)", "", arabic_years(collapse(halfwidth(title))).replace(" ", ""))
        match = _AGENCY_BEFORE_YEAR.match(plain)
        if match and not re.search(r"\d", match.group(1)):
            return match.group(1)
        match = _AGENCY_AFTER_YEAR.match(plain)
        if match:
            return match.group(1)
        match = re.match(r"^(.{2,40}?)(?:政府|政务)?信息公开", plain)
        if match:
            return match.group(1)
    match = _BODY_AGENCY.search(plain_text[:5000])
    if match:
        return match.group(1)
    return _first_metadata(metadata, METADATA_AGENCY_KEYS)


def iso_date(text: str | None) -> str | None:
    if not text:
        return None
    match = _DATE.search(halfwidth(text))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_published(document: Document) -> str | None:
    """Publication date from the page metadata, else the signature date at the end of the text."""
    declared = iso_date(_first_metadata(document.metadata, METADATA_DATE_KEYS))
    if declared:
        return declared
    for text in reversed(signature_lines(document)):
        match = _SIGNATURE_DATE.match(halfwidth(text))
        if match:
            return iso_date(text)
        match = _CN_SIGNATURE_DATE.match(text)
        if match:
            return _cn_date(*match.groups())
    return None


def signature_lines(document: Document) -> list[str]:
    """The last few paragraphs, where a report signs with its body and date."""
    tail: list[str] = []
    for block in reversed(document.blocks):
        if isinstance(block, Paragraph):
            tail.append(block.text)
            if len(tail) == 6:
                break
    return tail[::-1]


def _cn_small_number(numeral: str) -> int:
    """一 → 1, 十 → 10, 十八 → 18, 二十 → 20, 三十一 → 31."""
    if "十" not in numeral:
        return _CN_DIGITS.get(numeral, 0)
    tens, _, units = numeral.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)


def _cn_date(year: str, month: str, day: str) -> str | None:
    year_number = int("".join(str(_CN_DIGITS[c]) for c in year))
    month_number, day_number = _cn_small_number(month), _cn_small_number(day)
    if not (1 <= month_number <= 12 and 1 <= day_number <= 31):
        return None
    return f"{year_number:04d}-{month_number:02d}-{day_number:02d}"


def body_kind(agency: str | None) -> str | None:
    if not agency:
        return None
    name = halfwidth(agency)
    if re.search(r"(人民政府|政府)(办公室|办公厅)$", name) or name.endswith(("政府办", "办公厅")):
        return "government_office"
    if re.search(r"(街道办事处|街道办|街道)$", name):
        return "street_office"
    if re.search(r"[镇乡](人民政府)?$", name):
        return "township"
    if name.endswith(("人民政府", "政府")):
        return "government"
    if re.search(r"(开发区|高新区|新区|园区|保税区|试验区|示范区|合作区).{0,6}(管理委员会|管委会)$", name):
        return "development_zone"
    if re.search(r"(局|委员会|委|厅|署|部|办|办公室|中心|院|所|站|队|会)$", name):
        return "department"
    return None


def level_of(agency: str | None, kind: str | None, region: Region) -> str | None:
    if kind in ("street_office", "township"):
        return "township"
    if region.county:
        return "county"
    if region.city:
        return "prefecture"
    if region.province:
        return "province"
    if agency and (
        agency.startswith(("国务院", "国家", "中国", "中华人民共和国"))
        or re.search(r"^[^市省区县镇乡]{1,8}(部|总局|总署)$", agency)
    ):
        return "national"  # ministries and central bodies name no region
    return None
