"""The bundled question set: well formed, large enough, and consistent with the review."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from citeqa.eval.cases import load_cases
from citeqa.eval.numbers import normalise_text

CASES = load_cases()


@pytest.fixture(scope="module")
def review(review_text) -> str:
    return review_text


def _table_lines(review: str, label: str) -> list[str]:
    lines = review.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{label}."))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            if rows:
                break
            continue
        rows.append(line)
    return rows


def _fmt(x: float) -> str:
    return f"{x:g}"


def test_size_and_categories():
    tags = Counter(t for c in CASES for t in c.tags)
    assert len(CASES) >= 120
    assert sum(c.kind == "abstain" for c in CASES) >= 15
    assert tags["reference"] >= 10
    assert sum(c.kind == "any_of" for c in CASES) >= 2
    assert tags["misspelling"] >= 3 and tags["abbreviation"] >= 5


def test_holdout_is_about_a_quarter_and_spans_categories():
    holdout = [c for c in CASES if c.holdout]
    assert 0.2 <= len(holdout) / len(CASES) <= 0.3
    for tag in ("table1", "table2", "table3", "text", "abstain", "reference", "case", "paraphrase"):
        tagged = [c for c in CASES if tag in c.tags]
        assert any(c.holdout for c in tagged) and any(not c.holdout for c in tagged), tag


def test_every_expected_figure_is_in_the_review(review):
    words = set(re.findall(r"\d+(?:\.\d+)?", review))
    for c in CASES:
        e = c.expected
        if c.kind == "number":
            assert _fmt(e["number"]) in words, c.id
        elif c.kind == "range":
            assert _fmt(e["low"]) in words and _fmt(e["high"]) in words, c.id
        elif c.kind == "any_of":
            for option in e["any_of"]:
                if isinstance(option, str):
                    assert normalise_text(option) in normalise_text(review), c.id
                else:
                    assert _fmt(option) in words, c.id
        elif c.kind == "text":
            assert normalise_text(e["text"]) in normalise_text(review), c.id


def test_sources_match_the_ingested_review(review_path, review):
    """Sources name sections ingest really produces, and each expected value lies inside that span."""
    from citeqa.ingest.pipeline import parse_document

    doc = parse_document(review_path, doc_id="review")
    spans = {s.title: (s.start, s.end) for s in doc.sections}
    spans.update({t.label: (t.start, t.end) for t in doc.tables})
    refs = {r.number: r.text for r in doc.references}
    for c in CASES:
        if c.source is None:
            continue
        assert c.source.doc_id == "review", c.id
        for section in c.source.sections:
            assert section in spans, (c.id, section, sorted(spans))
            start, end = spans[section]
            body = doc.text[start:end]
            if c.source.reference is not None:
                body = refs[c.source.reference]
            words = set(re.findall(r"\d+(?:\.\d+)?", body))
            e = c.expected
            if c.kind == "number":
                assert _fmt(e["number"]) in words, (c.id, section)
            elif c.kind == "range":
                assert {_fmt(e["low"]), _fmt(e["high"])} <= words, (c.id, section)
            elif c.kind == "text":
                assert normalise_text(e["text"]) in normalise_text(body), (c.id, section)
            elif c.kind == "any_of":
                assert any(
                    normalise_text(o) in normalise_text(body) if isinstance(o, str) else _fmt(o) in words
                    for o in e["any_of"]
                ), (c.id, section)


def _cells(review: str, label: str) -> tuple[Counter, int]:
    numbers: Counter = Counter()
    missing = 0
    for row in _table_lines(review, label)[2:]:
        for cell in row.split("\t")[1:]:
            cell = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰*]", "", cell).strip()
            if cell in ("—", "Not reported"):
                missing += 1
            for n in re.findall(r"\d+(?:\.\d+)?", cell):
                numbers[float(n)] += 1
    return numbers, missing


@pytest.mark.parametrize("label", ["Table 1", "Table 2"])
def test_every_numeric_table_cell_has_a_case(review, label):
    cells, missing = _cells(review, label)
    assert cells, label
    sourced = [c for c in CASES if c.source and label in c.source.sections and "paraphrase" not in c.tags]
    have: Counter = Counter()
    for c in sourced:
        if c.kind == "number":
            have[float(c.expected["number"])] += 1
        elif c.kind == "any_of":
            for option in c.expected["any_of"]:
                if not isinstance(option, str):
                    have[float(option)] += 1
    short = {n: (k, have[n]) for n, k in cells.items() if have[n] < k}
    assert not short, f"{label}: value -> (cells, cases): {short}"
    assert sum(c.kind == "abstain" for c in sourced) >= missing


def test_all_table3_identifiers_asked(review):
    ncts = {normalise_text(n) for n in re.findall(r"NCT ?\d{8}", review)}
    asked = {normalise_text(c.expected["text"]) for c in CASES if c.kind == "text" and "table3" in c.tags}
    assert len(ncts) == 10 and ncts <= asked


def test_questions_use_correct_drug_spelling_and_do_not_copy_the_review(review):
    words = re.findall(r"\w+", review.lower())
    shingles = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    for c in CASES:
        q = c.question.lower()
        assert "odronektamab" not in q and "odronebamab" not in q, c.id
        qw = re.findall(r"\w+", q)
        copied = [" ".join(qw[i : i + 8]) for i in range(len(qw) - 7) if " ".join(qw[i : i + 8]) in shingles]
        assert not copied, (c.id, copied)


OPEN = [c for c in CASES if c.is_open]


def test_open_questions_size_categories_and_holdout():
    assert len([c for c in CASES if not c.is_open]) == 232  # the numeric set is unchanged
    graded = [c for c in OPEN if c.kind == "sentences"]
    must_abstain = [c for c in OPEN if c.kind == "abstain"]
    assert len(graded) >= 80 and len(must_abstain) >= 15
    assert all("open" in c.tags for c in OPEN)
    tags = Counter(t for c in OPEN for t in c.tags)
    for tag in ("mechanism", "recommendation", "drug", "eligibility", "clinical-case", "yes-no", "prognosis",
                "resistance", "off-topic", "not-in-corpus"):
        assert tags[tag] >= 3, tag
        tagged = [c for c in OPEN if tag in c.tags]
        assert any(c.holdout for c in tagged) and any(not c.holdout for c in tagged), tag
    assert 0.2 <= sum(c.holdout for c in OPEN) / len(OPEN) <= 0.3


def test_open_sentences_are_verbatim_spans_of_the_review(review_path, review):
    """Each expected sentence is review.txt[start:end] and the same span of the text ingest indexes."""
    from citeqa.ingest.pipeline import parse_document

    doc = parse_document(review_path, doc_id="review")
    for c in OPEN:
        for s in c.expected.get("sentences", []):
            assert review[s["start"] : s["end"]] == s["text"], c.id
            assert doc.text[s["start"] : s["end"]] == s["text"], c.id
            assert s["text"] == s["text"].strip() and len(s["text"]) > 20, c.id


def test_must_abstain_questions_name_nothing_the_review_states(review):
    """Off-topic and not-in-corpus questions name drugs, diseases or groups the review never mentions
    (Leukemia, non-Hodgkin and Myeloma occur only in a journal title, a reference title and an affiliation)."""
    absent = {"columvi", "epkinly", "ibrutinib", "venetoclax", "tocilizumab", "pembrolizumab", "zanubrutinib",
              "teclistamab", "blinatumomab", "sclerosis", "glioblastoma", "diabetes",
              "pneumonia", "metformin", "cns", "pediatric", "children"}
    text = review.lower()
    for word in absent:
        assert not re.search(rf"\b{word}\b", text), word
    for c in OPEN:
        if c.kind == "abstain" and "off-topic" not in c.tags and "not-in-corpus" not in c.tags:
            raise AssertionError(f"{c.id}: an abstain case must be tagged off-topic or not-in-corpus")
