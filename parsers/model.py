"""The objects a parser produces: a format-neutral :class:`Document`, and the :class:`Report` read from it.

Two stages, two shapes (see ``shared/spec/report-schema.md`` for the keys):

1. A *format reader* (HTML, plain text, PDF, DOCX, …) turns bytes into a :class:`Document`: the
   text in reading order, interleaved with the tables it contains as :class:`Grid` objects whose
   merged cells are already expanded.  Every cell remembers where it was read (:attr:`GridCell.source`).
2. The *report reader* (``parsers.report``) turns a :class:`Document` into a :class:`Report`, matching
   rows and columns by their labels.

Everything here is plain data: no I/O, no clock, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: Applicant-type columns of section 三, in printed order (spec: ``applications``).
APPLICANT_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)

#: Outcome columns of section 四, in printed order (spec: ``review_litigation``).
OUTCOME_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

#: Proceedings of section 四, in printed order.
PROCEEDINGS = ("administrative_review", "litigation_direct", "litigation_after_review")

TEMPLATES = ("2019", "2021", "unstructured")
LEVELS = ("national", "province", "prefecture", "county", "township")


class Status:
    """How completely a document was read.  The first word is the machine-readable state."""

    #: All three tables found and read.
    FULL = "full"
    #: A report, but at least one of the three tables was not found (detail says which).
    PARTIAL = "partial"
    #: A report without the tables: pre-2019 prose, or tables not machine-readable.
    UNSTRUCTURED = "unstructured"
    #: A report whose tables are images (HTML ``<img>`` where tables should be).
    TABLES_AS_IMAGES = "tables_as_images"
    #: No text layer (scanned PDF, image-only document) and no OCR engine was available.
    NEEDS_OCR = "needs_ocr"
    #: DOC/WPS and no converter (LibreOffice) installed.
    NEEDS_CONVERTER = "needs_converter"
    #: Readable, but not an annual report (a notice, a 年报解读, a budget report, …).
    NOT_A_REPORT = "not_a_report"
    #: Could not be read at all (binary junk, corrupt file, limits exceeded, …).
    ERROR = "error"

    #: States counted as "parsed fully" / "partly" / "not at all" in summaries.
    PARSED_FULLY = frozenset({FULL})
    PARSED_PARTLY = frozenset({PARTIAL, UNSTRUCTURED, TABLES_AS_IMAGES})


@dataclass(frozen=True)
class GridCell:
    """One cell of a table as printed."""

    text: str
    """The cell's text, whitespace collapsed, otherwise as printed."""
    source: str = ""
    """Where it was read: ``"table 2 row 5 col 3"`` (HTML/DOCX), ``"page 3 x=312 y=540"`` (PDF)."""
    origin: tuple[int, int] | None = None
    """(row, col) of the top-left cell when this grid cell is a copy produced by expanding a
    rowspan/colspan; ``None`` for a cell that is its own origin."""
    ocr: bool = False
    """True when the text came from OCR."""


@dataclass
class Grid:
    """A table with merged cells expanded: every row has the same number of columns."""

    rows: list[list[GridCell]]
    source: str = ""
    """Where the table was found, e.g. ``"html table 3"``, ``"pdf pages 2-3"``."""

    def lines(self) -> list[str]:
        """The rows as lines of text, cells separated by tabs: how a document's text renders a table."""
        return ["\t".join([cell.text for cell in row]) for row in self.rows]


@dataclass
class Paragraph:
    """A run of text outside tables, in reading order."""

    text: str
    source: str = ""


Block = Paragraph | Grid


def blocks_text(blocks: list[Block], grid_lines: Callable[[Grid], list[str]] = Grid.lines) -> str:
    """All text of ``blocks`` in reading order: each paragraph, then each grid as ``grid_lines(grid)``
    (a caller that has rendered the grids already passes their lines)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            parts.extend(grid_lines(block))
    return "\n".join(parts)


@dataclass
class Document:
    """A document reduced to text and tables, independent of its file format."""

    format: str
    """``html``, ``text``, ``pdf``, ``docx``, ``doc``, ``wps``, ``xls``, ``xlsx``, ``ofd``."""
    blocks: list[Block] = field(default_factory=list)
    """Paragraphs and tables in reading order."""
    title: str | None = None
    """The title the page or file declares (``<meta name="ArticleTitle">``, ``<h1>``, PDF title), if any."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Label/value metadata found beside the text: CMS ``<meta>`` tags (``PubDate``, ``ContentSource``,
    ``ColumnName`` …) and the 信息公开 metadata block (索引号, 发布机构, 发布日期 …), keys as printed."""
    images_in_body: int = 0
    """Number of images inside the body (tables published as pictures show up here)."""
    warnings: list[str] = field(default_factory=list)
    """Things a reader should know about how the text was obtained (truncated, OCR, …)."""
    status: str | None = None
    """Set by a format reader that could not produce text (``needs_ocr``, ``needs_converter``, ``error``)."""
    status_detail: str = ""

    @property
    def text(self) -> str:
        """All text in reading order, table rows rendered one per line with tab-separated cells."""
        return blocks_text(self.blocks)


@dataclass(frozen=True)
class Value:
    """A number as printed: the parsed value beside the raw text (blank is not zero)."""

    value: float | None
    """The number, or ``None`` when the cell is blank, "—", "/", "无" or otherwise not a number."""
    raw: str
    """The cell text exactly as printed, e.g. ``251000元``, ``0.0000``, ``-2``, ``""``."""
    source: str = ""
    """Where it was read (see :attr:`GridCell.source`)."""
    ocr: bool = False


@dataclass
class DisclosureCell:
    """One cell of section 二 (``active_disclosure``)."""

    item: str
    """Clause of Article 20: ``20.1``, ``20.5``, ``20.6``, ``20.8``, ``20.9``."""
    category: str
    """``regulations``, ``normative_documents``, ``licensing``, … (spec)."""
    metric: str
    """``issued``, ``newly_made``, ``decisions``, ``amount``, … (spec)."""
    value: Value
    category_label: str = ""
    """The row label as printed."""
    metric_label: str = ""
    """The column label as printed."""


@dataclass
class ApplicationRow:
    """One row of section 三 (``applications``)."""

    row_key: str
    """Canonical key (``new_received`` … ``carried_forward``) or ``unrecognized``."""
    row_label: str
    """The label as printed (all label cells of the row joined by a space)."""
    cells: dict[str, Value]
    """Keyed by :data:`APPLICANT_COLUMNS`; a column absent from the dict was not printed."""


@dataclass
class ReviewRow:
    """One proceeding of section 四 (``review_litigation``)."""

    proceeding: str
    cells: dict[str, Value]
    """Keyed by :data:`OUTCOME_COLUMNS`."""


@dataclass
class Section:
    """One of the six numbered sections (一 … 六) as text."""

    number: int
    heading: str
    text: str


@dataclass
class RuleViolation:
    """A broken consistency rule (勾稽关系, spec rules 1–5).  Recorded, never "fixed"."""

    rule: int
    location: str
    """Where: ``applications.total_processed.natural_person``, ``review_litigation.litigation_direct``, …"""
    expected: str
    actual: str
    message: str = ""


@dataclass
class Region:
    """Where the reporting body sits."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None
    """6-digit 行政区划代码 of the most specific region known."""


@dataclass
class Report:
    """Everything read from one document."""

    status: str
    """One of :class:`Status`."""
    status_detail: str = ""
    """Why the status is what it is, one line (e.g. ``review_litigation table not found``)."""
    format: str = ""
    title: str | None = None
    year: int | None = None
    agency: str | None = None
    region: Region = field(default_factory=Region)
    level: str | None = None
    """One of :data:`LEVELS`, or ``None`` if it cannot be told."""
    body_kind: str | None = None
    """``government``, ``government_office``, ``department``, ``street_office``, ``township``, …"""
    template: str | None = None
    """``2019``, ``2021`` or ``unstructured``; ``None`` for something that is not a report."""
    published: str | None = None
    """ISO date of publication, where the page or the signature gives one."""
    sections: list[Section] = field(default_factory=list)
    active_disclosure: list[DisclosureCell] = field(default_factory=list)
    applications: list[ApplicationRow] = field(default_factory=list)
    review_litigation: list[ReviewRow] = field(default_factory=list)
    violations: list[RuleViolation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Parse warnings worth a reader's attention (a value dropped from an over-long row, OCR used, …)."""
    text: str = ""
    """The full text of the document, for search."""
    metadata: dict[str, str] = field(default_factory=dict)
    """The document's metadata block, as found (see :attr:`Document.metadata`)."""

    @property
    def is_report(self) -> bool:
        return self.status not in (Status.NOT_A_REPORT, Status.ERROR)
