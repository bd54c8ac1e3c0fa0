"""Word transcripts (.docx): paragraphs read from the package's XML within the unpacking limits, front matter
between fences, read by :func:`cotag.corpus.formats.read_transcript`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


from cotag.corpus import limits
from cotag.corpus.formats import ParsedTranscript, TranscriptError, _load_front_matter, _normalise, _read_bytes, _size
from cotag.corpus.speakers import find_turns


# --- docx -------------------------------------------------------------------------------

_DOCX_FENCES = ("---", "—")  # Word's AutoCorrect may turn "---" into an em dash

# The text-bearing children of a paragraph's runs, wherever the runs sit (tracked insertions,
# content controls, smart tags, fields, hyperlinks), except deleted or moved-away text and
# text boxes, whose paragraphs live inside a run's drawing, and the fallback copy of
# alternate content (mc:Fallback repeats its mc:Choice for older readers).
_DOCX_RUN_TEXT = (
    ".//w:r/*[self::w:t or self::w:tab or self::w:ptab or self::w:br or self::w:cr or self::w:noBreakHyphen]"
    "[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent"
    " or ancestor::*[local-name() = 'Fallback'])]"
)


def _check_unpacked_size(path: Path, data: bytes) -> None:
    """Refuse a package that unpacks to more than MAX_DOCX_UNPACKED_BYTES, counting what really comes out."""
    import io
    import zipfile

    too_big = (f"not read: the Word file unpacks to more than {_size(limits.MAX_DOCX_UNPACKED_BYTES)} "
               "(a damaged or hostile file; a transcript with photos stays far below)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            if sum(part.file_size for part in parts) > limits.MAX_DOCX_UNPACKED_BYTES:
                raise TranscriptError(path, too_big)
            unpacked = 0
            for part in parts:
                with package.open(part) as fh:
                    while chunk := fh.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > limits.MAX_DOCX_UNPACKED_BYTES:
                            raise TranscriptError(path, too_big)
    except TranscriptError:
        raise
    except Exception as e:  # noqa: BLE001 - zipfile raises BadZipFile, zlib.error, EOFError, NotImplementedError...
        raise TranscriptError(path, f"not a readable Word .docx file: {str(e).strip() or type(e).__name__}") from None


def _docx_paragraphs(path: Path) -> list[str]:
    import io
    import zipfile

    import docx
    from docx.table import Table

    data = _read_bytes(path, limits.MAX_DOCX_BYTES)
    if not data:
        raise TranscriptError(path, "not a readable Word .docx file: the file is empty")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TranscriptError(
            path, "not a readable Word .docx file: not a ZIP package (damaged, or another format renamed .docx)"
        )
    _check_unpacked_size(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
    except Exception as e:  # noqa: BLE001 - python-docx raises zip, XML, KeyError, ValueError, PackageNotFound...
        reason = str(e).strip() or type(e).__name__
        raise TranscriptError(path, f"not a readable Word .docx file: {reason}") from None

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out: list[str] = []

    def paragraph_text(p: Any) -> str:
        # python-docx's Paragraph.text reads only the paragraph's direct runs and hyperlinks: it
        # loses tracked insertions (w:ins), inline content controls, smart tags and fields. Read
        # every run's text instead, skipping deleted text and text boxes (not read, see the docs).
        # A page or column break separates words like a line break.
        parts = []
        for e in p.xpath(_DOCX_RUN_TEXT):
            tag = e.tag[len(w):]
            parts.append((e.text or "") if tag == "t" else "\t" if tag in ("tab", "ptab")
                         else "-" if tag == "noBreakHyphen" else "\n")
        return "".join(parts)

    def cell_text(cell: Any) -> str:
        return " ".join("\n".join(paragraph_text(p) for p in cell._tc.xpath(".//w:p")).split())

    def walk(element: Any) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == w + "p":
                text = _normalise(paragraph_text(child)).strip()
                if text:
                    out.append(text)
            elif tag == w + "tbl":
                table = Table(child, document)
                for row in table.rows:
                    cells, seen = [], None
                    for cell in row.cells:
                        if cell._tc is seen:  # a merged cell repeats across the columns it spans
                            continue
                        seen = cell._tc
                        cells.append(cell_text(cell))
                    if any(cells):
                        out.append(" | ".join(cells))
            elif tag == w + "sdt":  # content controls wrap ordinary paragraphs
                content = child.find(w + "sdtContent")
                if content is not None:
                    walk(content)

    try:
        walk(body)
    except Exception as e:  # noqa: BLE001 - a damaged part can fail in many ways while walking
        raise TranscriptError(path, f"not a readable Word .docx file: {e}") from None
    return out


def _read_docx(path: Path) -> ParsedTranscript:
    paragraphs = _docx_paragraphs(path)
    if not paragraphs:
        raise TranscriptError(path, "empty transcript")
    metadata: dict = {}
    if paragraphs[0] in _DOCX_FENCES:
        for i in range(1, len(paragraphs)):
            if paragraphs[i] in _DOCX_FENCES:
                block = "\n".join(paragraphs[1:i])
                metadata = _load_front_matter(path, block, first_line=None, where="Word front matter block")
                paragraphs = paragraphs[i + 1 :]
                break
        else:
            raise TranscriptError(
                path, "front matter opened with a '---' paragraph is never closed by a '---' paragraph"
            )
    if not paragraphs:
        raise TranscriptError(path, "empty transcript (front matter but no text)")
    text = "\n\n".join(paragraphs)
    if len(text.encode("utf-8")) > limits.MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(path, f"the text is larger than the {_size(limits.MAX_TRANSCRIPT_BYTES)} a "
                                    "transcript may have; split it into several transcripts")
    return ParsedTranscript(path, text, metadata, find_turns(text, metadata), "docx")


