"""Fixed splits of the shared benchmarks: by a hash of a stable key (never by position), so adding
data never moves an example between parts.

- Evidence Inference: its ``train`` prompts split by article into ``train`` and ``dev`` (the part
  features and hyperparameters are chosen on); its own ``validation`` split is reported once.
- PubMedQA: the 500 shared questions split by PMID into ``train``, ``dev`` and ``validation``.
"""

from __future__ import annotations

import hashlib
from enum import Enum

EI_DEV_SHARE = 15
"""Percent of Evidence Inference train articles kept for development (by article, so no article is in both)."""
PUBMEDQA_PARTS = (("train", 60), ("dev", 80), ("validation", 100))
"""PubMedQA PMIDs by hash bucket (of 100): 60% train, 20% dev, 20% validation."""


class Part(str, Enum):
    """A part of a benchmark: trained on, chosen on, or reported once."""

    train = "train"
    dev = "dev"
    validation = "validation"


def bucket(key: str) -> int:
    """A stable 0–99 bucket for ``key``."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def evidence_inference_part(doc: str, split: str) -> Part:
    """The part of a prompt on article ``doc`` of Evidence Inference split ``split``."""
    if split == "validation":
        return Part.validation
    return Part.dev if bucket(doc) < EI_DEV_SHARE else Part.train


def pubmedqa_part(pmid: str) -> Part:
    """The part of PubMedQA question ``pmid``."""
    b = bucket(str(pmid))
    return next(Part(name) for name, upper in PUBMEDQA_PARTS if b < upper)
