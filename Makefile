# citeqa — two commands do all set-up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast schema install index browser bench bench-hostile bench-retrieval bench-pdf bench-verdict eval eval-ei eval-ei-train eval-litqa2 eval-pdf eval-pubmedqa eval-all train train-verdict train-support train-confidence clean

# torch is installed first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Build (or incrementally update) the index from corpus/, with a progress bar. `citeqa ingest`
# exits 1 when a file failed (each is named with its cause); the others are indexed and served.
index: $(STAMP)
	-$(BIN)/citeqa ingest

# The main job: the web page and HTTP API on http://127.0.0.1:8000
run: index
	$(BIN)/citeqa serve

# Debian's Chromium for the browser test (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "warning: could not install chromium; the browser test will be skipped" >&2

test: $(STAMP) browser
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

# The API under schemathesis, every check: the pytest run with many more examples, then its
# command line (every phase, stateful included) against a running service, without and with a key.
SCHEMA_EXAMPLES ?= 300
schema: $(STAMP)
	CITEQA_SCHEMA_EXAMPLES=$(SCHEMA_EXAMPLES) nice $(BIN)/pytest -q -p no:cacheprovider tests/test_api_schema.py
	nice $(BIN)/python tests/schema_cli.py $(SCHEMA_EXAMPLES)

# The review suites (numeric + open questions) on the bundled corpus.
eval: index
	$(BIN)/citeqa eval

# Benchmark suites: each indexes its own corpus once (cached under EVAL_CACHE, rebuilt when the
# model, the corpus or the ingest/index code changes; embeddings of chunks and sentences are kept
# by text, so a rebuild embeds only what changed). The first Evidence Inference run embeds ~30,000
# chunks and ~130,000 sentences: about two hours on two shared cores. Several checkouts may share
# one EVAL_CACHE.
BENCHMARKS ?= ../shared/benchmarks
EVAL_CACHE ?= var/cache/eval
EVAL = nice $(BIN)/citeqa eval --benchmarks $(BENCHMARKS) --cache $(EVAL_CACHE)
eval-ei: $(STAMP)
	$(EVAL) --suite evidence-inference --split validation

# The train split is for tuning: not gated, not reported.
eval-ei-train: $(STAMP)
	$(EVAL) --suite evidence-inference --split train

eval-litqa2: $(STAMP)
	$(EVAL) --suite litqa2

eval-pdf: $(STAMP)
	$(EVAL) --suite pdf

# PubMedQA yes/no questions over the 500 shared abstracts (without conclusions), scored on `verdict`:
# its validation part (reported once); PUBMEDQA_SPLIT=train scores the dev part used for choosing.
PUBMEDQA_SPLIT ?= validation
eval-pubmedqa: $(STAMP)
	$(EVAL) --suite pubmedqa --split $(PUBMEDQA_SPLIT)

# Reproduce the shipped models from ../shared/benchmarks (fixed seeds): the verdict model (~25 min on
# 2 cores), the support model (~9 min once the benchmark indexes are cached in EVAL_CACHE, ~25 min
# before), then the answer-confidence calibration over both (~6 min with the indexes cached).
# TRAIN_OUT=dir writes candidates elsewhere; `make bench-verdict TRAIN_OUT=dir` scores one.
TRAIN_OUT ?=
train: train-verdict train-support train-confidence

train-verdict: $(STAMP)
	nice $(BIN)/citeqa train --model verdict --benchmarks $(BENCHMARKS) $(if $(TRAIN_OUT),--out $(TRAIN_OUT))

train-support: $(STAMP)
	nice $(BIN)/citeqa train --model support --benchmarks $(BENCHMARKS) --cache $(EVAL_CACHE) $(if $(TRAIN_OUT),--out $(TRAIN_OUT))

train-confidence: $(STAMP)
	nice $(BIN)/citeqa train --model confidence --benchmarks $(BENCHMARKS) --cache $(EVAL_CACHE) $(if $(TRAIN_OUT),--out $(TRAIN_OUT))

# The verdict model given the gold evidence: accuracy per task and calibration (ECE), on the dev
# parts (VERDICT_PART=validation for the once-only report).
VERDICT_PART ?= dev
bench-verdict: $(STAMP)
	nice $(BIN)/citeqa train --benchmarks $(BENCHMARKS) --evaluate $(VERDICT_PART) $(if $(TRAIN_OUT),--out $(TRAIN_OUT))

# Every suite, one table, and a Markdown report in var/eval/report.md.
eval-all: index
	$(EVAL) --suite all --report var/eval/report.md

# API latency on the review (single client, then 16 clients during an upload); then, when
# `make eval-ei` has built it, on the 30,000-chunk Evidence Inference index.
bench: index
	$(BIN)/python -m citeqa.eval.bench_http
	$(BIN)/python -m citeqa.eval.bench_http --large evidence-inference --benchmarks $(BENCHMARKS) --cache $(EVAL_CACHE) \
		|| echo "(no large-corpus figure: build the Evidence Inference index with make eval-ei first)"

# Hostile uploads (page-tree and text bombs) against `citeqa serve`: time to refusal, memory, log, asks meanwhile.
bench-hostile: index
	nice $(BIN)/python -m citeqa.eval.bench_hostile

bench-retrieval: $(STAMP)
	$(BIN)/citeqa bench-retrieval --beir ../shared/benchmarks/scifact --split train

# PDF ingestion on the LitQA2 PDFs (key passages, titles) and the shared journal PDFs, beside pdftotext
# (Debian poppler-utils, installed here when missing).
bench-pdf: $(STAMP)
	@command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq poppler-utils; } \
		|| echo "warning: could not install poppler-utils; pdftotext figures are skipped" >&2
	nice $(BIN)/citeqa bench-pdf --pdfs $(BENCHMARKS)/litqa2/pdfs --questions $(BENCHMARKS)/litqa2/questions-train.jsonl --per-file
	nice $(BIN)/citeqa bench-pdf --pdfs ../shared/corpus/pdfs --per-file

clean:
	rm -rf var test-output .pytest_cache
