"""Hostile and mislabelled files: limits named in the error, a bounded worker, linear-time layout,
chunks never over the chunker's size, file types read from the content."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest

from citeqa.ingest.chunking import chunk_document
from citeqa.ingest.errors import IngestError, WrongFileType
from citeqa.ingest.limits import Limit, LimitExceeded, ParseLimits
from citeqa.ingest.pipeline import ingest_file, parse_document
from citeqa.ingest.worker import ParseCancelled, parse_in_worker
from hostile_files import page_tree_bomb, text_bomb, word_document

LIFTED = ParseLimits(max_page_chars=10_000_000)  # the text bomb is then read, not refused


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_page_tree_bomb_is_refused_unread_naming_the_page_limit(tmp_path):
    bomb = _write(tmp_path, "bomb.pdf", page_tree_bomb())
    assert bomb.stat().st_size < 2000
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as caught:
        parse_in_worker(bomb)
    assert time.monotonic() - started < 20
    assert caught.value.limit is Limit.pages
    assert "1,000,000 pages" in str(caught.value) and "CITEQA_MAX_PAGES" in str(caught.value)


def test_text_bomb_is_refused_naming_the_page_character_limit(tmp_path):
    bomb = _write(tmp_path, "dense.pdf", text_bomb())
    with pytest.raises(LimitExceeded) as caught:
        parse_in_worker(bomb)
    assert caught.value.limit is Limit.page_chars and "page 1 holds 1,000,000 characters" in str(caught.value)


def test_a_long_line_without_spaces_is_read_in_linear_time_and_chunked_within_the_size(tmp_path):
    bomb = _write(tmp_path, "run.pdf", text_bomb(200_000))
    started = time.monotonic()
    doc = parse_document(bomb, limits=LIFTED)
    assert time.monotonic() - started < 30  # was quadratic: over 120 s at 100,000 characters
    chunks = chunk_document(doc, max_chars=900)
    assert len(doc.text) == 200_000 and chunks
    assert max(len(c.text) for c in chunks) <= 900
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)  # pieces are verbatim spans


def test_text_file_without_newline_or_space_is_chunked_within_the_size(tmp_path):
    path = _write(tmp_path, "run.txt", (("word" * 50 + ". ") * 2000 + "x" * 500_000).encode())
    doc, chunks = ingest_file(path, max_chars=900)
    assert max(len(c.text) for c in chunks) <= 900
    assert sum(len(c.text) for c in chunks if c.kind == "text") >= 500_000 + 2000 * 200


def test_document_character_limit_applies_to_text_files(tmp_path):
    path = _write(tmp_path, "big.txt", b"a b c. " * 2000)
    with pytest.raises(LimitExceeded) as caught:
        parse_document(path, limits=ParseLimits(max_document_chars=10_000))
    assert caught.value.limit is Limit.document_chars and "CITEQA_MAX_DOCUMENT_CHARS" in str(caught.value)


def test_worker_time_limit_stops_the_parse(tmp_path):
    bomb = _write(tmp_path, "slow.pdf", text_bomb(1_000_000))
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as caught:
        parse_in_worker(bomb, limits=ParseLimits(max_page_chars=10_000_000, seconds=1.5))
    assert time.monotonic() - started < 10
    assert caught.value.limit is Limit.seconds and "CITEQA_PARSE_SECONDS" in str(caught.value)


def test_worker_memory_limit_fails_the_file_naming_the_limit(tmp_path):
    bomb = _write(tmp_path, "hungry.pdf", text_bomb(1_000_000))
    with pytest.raises(IngestError) as caught:
        parse_in_worker(bomb, limits=ParseLimits(max_page_chars=10_000_000, memory_mb=300))
    assert "CITEQA_PARSE_MEMORY_MB" in str(caught.value) and "300 MB" in str(caught.value)


def test_worker_is_stopped_when_cancelled(tmp_path):
    bomb = _write(tmp_path, "slow.pdf", text_bomb(1_000_000))
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(ParseCancelled):
        parse_in_worker(bomb, limits=LIFTED, cancel=cancel)
    assert time.monotonic() - started < 5


def test_worker_returns_the_same_document_as_in_process(review_path, tmp_path):
    assert parse_in_worker(review_path).to_dict() == parse_document(review_path).to_dict()


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("report.pdf", word_document(), "not a PDF: it is a Word document (.docx)"),
        ("old.pdf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "an old Microsoft Office file"),
        ("page.pdf", b"<!DOCTYPE html><html><body>Results</body></html>", "it is an HTML page"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "it is a PNG image"),
        ("notes.pdf", b"Plain notes, not a PDF at all.\n", "no %PDF- header in its first 1,024 bytes"),
        ("paper.txt", text_bomb(10), "not text: it is a PDF document"),
        ("paper.md", word_document(), "not text: it is a Word document (.docx)"),
    ],
)
def test_file_type_is_read_from_the_content(tmp_path, name, data, said):
    with pytest.raises(WrongFileType) as caught:
        parse_document(_write(tmp_path, name, data))
    assert said in str(caught.value) and name in str(caught.value)


def test_pages_without_text_are_one_warning_not_one_each(tmp_path):
    from pypdf import PdfWriter

    from hostile_files import text_bomb as one_page

    writer = PdfWriter(clone_from=io.BytesIO(one_page(3000)))
    for _ in range(40):
        writer.add_blank_page()
    buffer = io.BytesIO()
    writer.write(buffer)
    doc = parse_document(_write(tmp_path, "blank.pdf", buffer.getvalue()), limits=LIFTED)
    assert doc.warnings == ["blank.pdf pages 2–41: no text layer (a scanned image?); that text is missing — run OCR to include it"]
