"""The question-file loader: good files load, bad input names file, line and field."""

from __future__ import annotations

import json

import pytest

from citeqa.eval.cases import CaseFileError, load_cases, split_parts
from citeqa.eval.results import ThresholdsError, load_thresholds


def write(tmp_path, lines, name="q.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "a", "question": "q?", "expected": {"number": 1}}


def error_for(tmp_path, lines) -> CaseFileError:
    path = write(tmp_path, lines)
    with pytest.raises(CaseFileError) as info:
        load_cases([path])
    return info.value


def test_loads_every_shape(tmp_path):
    path = write(tmp_path, [
        GOOD,
        "",
        {"id": "b", "question": "q?", "expected": {"low": 1, "high": 2, "unit": "%"}, "tags": ["range", "holdout"]},
        {"id": "c", "question": "q?", "expected": {"any_of": [51, 52]}, "source": {"doc_id": "review", "section": "Table 2"}},
        {"id": "d", "question": "q?", "expected": {"text": "NCT05664217"}},
        {"id": "e", "question": "q?", "expected": {"abstain": True}, "note": "why"},
        {"id": "f", "question": "q?", "expected": {"text": "x"}, "source": {"doc_id": "review", "section": "References", "reference": 21}},
        {"id": "g", "question": "q?", "expected": {"number": 1}, "source": {"doc_id": "review", "section": ["Table 2", "Main text"]}},
    ])
    cases = load_cases([path])
    assert [c.kind for c in cases] == ["number", "range", "any_of", "text", "abstain", "text", "number"]
    assert cases[6].source.sections == ("Table 2", "Main text") and cases[6].source.section == "Table 2"
    assert cases[1].line == 3 and cases[1].holdout and cases[1].part == "holdout"
    assert cases[2].source.section == "Table 2"
    assert cases[5].source.reference == 21
    assert {k: len(v) for k, v in split_parts(cases).items()} == {"main": 6, "holdout": 1}


def test_bad_json_names_file_and_line(tmp_path):
    err = error_for(tmp_path, [GOOD, '{"id": "b", "question": '])
    assert err.line == 2 and err.path.endswith("q.jsonl")
    assert "q.jsonl:2" in str(err) and "invalid JSON" in str(err)


def test_unknown_expected_keys(tmp_path):
    err = error_for(tmp_path, [{"id": "a", "question": "q?", "expected": {"numbr": 3}}])
    assert err.field == "expected" and "unknown shape" in str(err) and ":1:" in str(err)
    err = error_for(tmp_path, [{"id": "a", "question": "q?", "expected": {"number": 3, "units": "%"}}])
    assert err.field == "expected" and "units" in str(err)
    err = error_for(tmp_path, [{"id": "a", "question": "q?", "expected": {"number": 3, "text": "x"}}])
    assert "unknown shape" in str(err)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"question": "q?", "expected": {"number": 1}}, "id"),
        ({"id": "a", "expected": {"number": 1}}, "question"),
        ({"id": "a", "question": "  ", "expected": {"number": 1}}, "question"),
        ({"id": "a", "question": "q?"}, "expected"),
        ({"id": "a", "question": "q?", "expected": {"number": "34%"}}, "expected.number"),
        ({"id": "a", "question": "q?", "expected": {"low": 5, "high": 1}}, "expected.low/high"),
        ({"id": "a", "question": "q?", "expected": {"any_of": []}}, "expected.any_of"),
        ({"id": "a", "question": "q?", "expected": {"abstain": False}}, "expected.abstain"),
        ({"id": "a", "question": "q?", "expected": {"number": 1}, "tags": "x"}, "tags"),
        ({"id": "a", "question": "q?", "expected": {"number": 1}, "source": {"section": "x"}}, "source.doc_id"),
        ({"id": "a", "question": "q?", "expected": {"number": 1}, "source": {"doc_id": "r", "pages": 1}}, "source"),
        ({"id": "a", "question": "q?", "expected": {"number": 1}, "source": {"doc_id": "r", "page": 0}}, "source.page"),
        ({"id": "a", "question": "q?", "expected": {"sentences": []}}, "expected.sentences"),
        ({"id": "a", "question": "q?", "expected": {"sentences": [{"start": 5, "end": 3, "text": ""}]}},
         "expected.sentences[0]"),
        ({"id": "a", "question": "q?", "expected": {"sentences": [{"start": 0, "end": 3, "text": "ab"}]}},
         "expected.sentences[0]"),
        ({"id": "a", "question": "q?", "expected": {"number": 1}, "source": {"doc_id": "r", "section": 3}}, "source.section"),
    ],
)
def test_field_errors(tmp_path, line, field):
    err = error_for(tmp_path, [GOOD | {"id": "z"}, line])
    assert err.line == 2 and err.field == field and field in str(err)


def test_unknown_top_level_field_and_non_object(tmp_path):
    assert "unknown field" in str(error_for(tmp_path, [GOOD | {"answer": 1}]))
    assert "JSON object" in str(error_for(tmp_path, ["[1, 2]"]))


def test_duplicate_ids_across_files(tmp_path):
    first = write(tmp_path, [GOOD], "a.jsonl")
    second = write(tmp_path, [GOOD | {"id": "b"}, GOOD], "b.jsonl")
    with pytest.raises(CaseFileError) as info:
        load_cases([first, second])
    msg = str(info.value)
    assert "b.jsonl:2" in msg and "duplicate id 'a'" in msg and "a.jsonl:1" in msg


def test_thresholds_file(tmp_path):
    good = tmp_path / "t.toml"
    good.write_text("[review.main]\naccuracy = 0.9\nlatency_p95_ms = 500\n[review.holdout]\ngrounding = 1\n"
                    "[litqa2.train]\nprecision = 0.5\n")
    assert load_thresholds(good) == {"review": {"main": {"accuracy": 0.9, "latency_p95_ms": 500.0},
                                                "holdout": {"grounding": 1.0}},
                                     "litqa2": {"train": {"precision": 0.5}}}
    bad = tmp_path / "bad.toml"
    bad.write_text("[main]\naccuracy = 0.9\n")
    with pytest.raises(ThresholdsError, match=r"\[main\]"):
        load_thresholds(bad)
    bad.write_text("[review.main]\naccuracy = 'high'\n")
    with pytest.raises(ThresholdsError, match="accuracy must be a number"):
        load_thresholds(bad)


def test_bundled_thresholds_load():
    thresholds = load_thresholds()
    assert set(thresholds) == {"review", "review-open", "evidence-inference", "litqa2", "pdf", "pubmedqa"}
    assert thresholds["review"]["main"]["grounding"] == 1.0
    # the Evidence Inference gate has a floor on the answer rate, so abstaining on everything fails
    assert thresholds["evidence-inference"]["validation"]["answer_rate"] > 0
    assert thresholds["pubmedqa"]["validation"]["right_abstract_cited"] > 0
