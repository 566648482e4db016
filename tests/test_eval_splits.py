"""The fixed benchmark parts: stable, disjoint, by article for Evidence Inference."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from citeqa.eval.splits import Part, bucket, evidence_inference_part, pubmedqa_part

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def test_bucket_is_stable_and_spread() -> None:
    assert bucket("PMC59610") == bucket("PMC59610")
    counts = Counter(bucket(str(n)) // 10 for n in range(5000))
    assert min(counts.values()) > 400  # ten deciles, none starved


def test_validation_split_is_never_trained_on() -> None:
    assert evidence_inference_part("PMC59610", "validation") is Part.validation
    assert {evidence_inference_part(f"PMC{n}", "train") for n in range(300)} == {Part.train, Part.dev}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/benchmarks is absent")
def test_pubmedqa_parts_cover_the_shared_questions() -> None:
    from citeqa.eval.pubmedqa import load_rows

    parts = Counter(pubmedqa_part(row["id"]) for row in load_rows(SHARED))
    assert sum(parts.values()) == 500
    assert 250 <= parts[Part.train] <= 350 and 70 <= parts[Part.dev] <= 130 and 70 <= parts[Part.validation] <= 130


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/benchmarks is absent")
def test_evidence_inference_dev_part_holds_whole_articles() -> None:
    from citeqa.eval.evidence_inference import load_prompts

    prompts = load_prompts(SHARED / "evidence-inference", "train")
    parts: dict[str, set[Part]] = {}
    for p in prompts:
        parts.setdefault(p.doc, set()).add(evidence_inference_part(p.doc, "train"))
    assert all(len(v) == 1 for v in parts.values())
    dev = sum(Part.dev in v for v in parts.values())
    assert 0.08 * len(parts) < dev < 0.22 * len(parts)
