"""Benchmark corpora are indexed once and cached, rebuilt when the corpus changes; run_suites wires the suites."""

from __future__ import annotations

import json

from eval_doubles import ScriptedEngine, answer, citation, passage

from citeqa.eval import corpora
from citeqa.eval.results import SuiteName
from citeqa.eval.suites import EvalOptions, run_suites
from citeqa.index.testing import HashEmbedder

ARTICLE = "Trial of A versus B\n\nMethods\n\nWe randomised 40 patients.\n\nResults\n\nPain fell more with A than with B (p < 0.01).\n"


def _ei_folder(tmp_path):
    folder = tmp_path / "benchmarks" / "evidence-inference"
    (folder / "corpus").mkdir(parents=True)
    (folder / "corpus" / "PMC1.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "corpus" / "PMC2.txt").write_text("Another trial\n\nNothing happened.\n", encoding="utf-8")
    start = ARTICLE.index("Pain fell")
    prompt = {"id": "1", "doc": "PMC1", "question": "What was the effect of A compared with B on pain?",
              "label": "significantly decreased", "evidence": [{"start": start, "end": start + 30, "text": ARTICLE[start:start + 30]}]}
    (folder / "prompts-validation.jsonl").write_text(json.dumps(prompt) + "\n", encoding="utf-8")
    return folder, start


def test_cached_index_is_reused_and_rebuilt_when_the_corpus_changes(tmp_path):
    folder, _ = _ei_folder(tmp_path)
    files = sorted((folder / "corpus").glob("*.txt"))
    embedder = HashEmbedder()
    first = corpora.cached_index("ei", files, embedder, tmp_path / "cache")
    assert not first.cached and first.documents == 2 and first.embedded == first.chunks
    assert set(first.index.documents) == {"pmc1", "pmc2"}
    again = corpora.cached_index("ei", files, embedder, tmp_path / "cache")
    assert again.cached and again.key == first.key
    assert embedder.encoded == first.embedded + first.sentences_embedded  # nothing embedded again
    assert len(again.index.sentences) == len(first.index.sentences) > first.chunks
    (folder / "corpus" / "PMC2.txt").write_text("Another trial\n\nSomething happened.\n", encoding="utf-8")
    changed = corpora.cached_index("ei", files, embedder, tmp_path / "cache")
    assert not changed.cached and changed.key != first.key
    assert changed.embedded < changed.chunks  # unchanged chunks come from the embedding cache
    built = sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("ei-"))
    assert built == sorted([first.directory.name, changed.directory.name])  # a shared cache keeps both


def test_stale_indexes_of_other_versions_are_removed(tmp_path):
    import os
    import time

    folder, _ = _ei_folder(tmp_path)
    files = sorted((folder / "corpus").glob("*.txt"))
    first = corpora.cached_index("ei", files, HashEmbedder(), tmp_path / "cache")
    week_ago = time.time() - (corpora.STALE_DAYS + 1) * 86400
    os.utime(first.directory / corpora.STAMP, (week_ago, week_ago))
    (folder / "corpus" / "PMC2.txt").write_text("Another trial\n\nSomething happened.\n", encoding="utf-8")
    changed = corpora.cached_index("ei", files, HashEmbedder(), tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("ei-")] == [changed.directory.name]


def test_the_key_changes_with_model_and_code(tmp_path, monkeypatch):
    folder, _ = _ei_folder(tmp_path)
    files = sorted((folder / "corpus").glob("*.txt"))
    key = corpora.cache_key(files, "model-a")
    assert corpora.cache_key(files, "model-b") != key
    monkeypatch.setattr(corpora, "code_version", lambda: "edited")
    assert corpora.cache_key(files, "model-a") != key


def test_run_suites_runs_evidence_inference_on_its_own_corpus(tmp_path):
    folder, start = _ei_folder(tmp_path)
    question = "What was the effect of A compared with B on pain?"
    built = []

    def make_engine(index, embedder, pack):
        built.append((sorted(index.documents), pack))
        return ScriptedEngine({question: answer(citations=[citation("pmc1", start, start + 10)],
                                                passages=[passage("pmc1", start - 5, start + 40)])})

    opts = EvalOptions(suites=[SuiteName.evidence_inference], benchmarks=folder.parent, cache_dir=tmp_path / "c",
                       thresholds=tmp_path / "t.toml")
    (tmp_path / "t.toml").write_text("[evidence-inference.validation]\nanswer_rate = 1.0\nevidence_at_5 = 1.0\n")
    run = run_suites(opts, review_engine=lambda: None, embedder=HashEmbedder, make_engine=make_engine)
    assert built == [(["pmc1", "pmc2"], "clinical-trial")]  # benchmark papers are read with the general pack
    (result,) = run.suites
    assert result.parts["validation"]["cited_evidence_share_answered"] == 1.0 and run.violations == []
    assert "2 documents" in result.notes[-1]
