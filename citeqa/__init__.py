"""citeqa: literature-grounded, extractive question answering with exact citations.

The pipeline stages live in their own top-level folders, mapped into this namespace:
``citeqa.ingest`` (ingest/), ``citeqa.index`` (index/), ``citeqa.qa`` (qa/),
``citeqa.api`` (api/) and ``citeqa.eval`` (eval/).
"""

__version__ = "0.1.0"
