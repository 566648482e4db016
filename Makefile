# citeqa — two commands do all set-up: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test install index bench bench-retrieval eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(BIN)/citeqa ingest

run: $(STAMP)
	$(BIN)/citeqa serve

test: $(STAMP)
	$(BIN)/pytest -q

eval: $(STAMP)
	$(BIN)/citeqa eval

bench: $(STAMP)
	$(BIN)/python -m citeqa.eval.bench_http

bench-retrieval: $(STAMP)
	$(BIN)/citeqa bench-retrieval --beir ../shared/benchmarks/scifact --split train

clean:
	rm -rf var test-output .pytest_cache
