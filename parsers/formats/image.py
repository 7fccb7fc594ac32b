"""Images (a report published as a scan or a photo): no text to read without OCR.

``archive.convert`` runs tesseract on them when it is installed; without it the report is
recorded as ``needs_ocr`` and no number is invented.
"""

from __future__ import annotations

from parsers.model import Document, Status


def read(data: bytes, *, filename: str | None = None, fmt: str = "image") -> Document:
    return Document(
        format="image",
        images_in_body=1,
        status=Status.NEEDS_OCR,
        status_detail="image file: no text layer, needs OCR",
    )
