"""Errors raised by the index stage."""

from __future__ import annotations


class CiteqaIndexError(Exception):
    """Base class of index-stage errors."""


class IndexLoadError(CiteqaIndexError):
    """The index directory is missing, corrupt, or was built with another model."""


class IndexBuildError(CiteqaIndexError):
    """The index could not be built; the previous index (if any) is left untouched."""
