"""Ingest: read txt/md/pdf files into Documents (text, structure, tables, references,
citations) and cut them into Chunks. See ``models.py`` for the data contract."""

from __future__ import annotations

from citeqa.ingest.chunking import chunk_document
from citeqa.ingest.errors import IngestError
from citeqa.ingest.pipeline import find_corpus_files, ingest_file, parse_document, parse_text

__all__ = ["IngestError", "chunk_document", "find_corpus_files", "ingest_file", "parse_document", "parse_text"]
