# The only two commands a fresh machine needs: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup index lint corpus clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

index: $(STAMP)
	$(BIN)/assistant ingest corpus --prune --data-dir $(DATA)

run: index
	$(BIN)/assistant search --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check assistant tests evals corpus
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

corpus: $(STAMP)
	$(BIN)/python corpus/build.py

clean:
	rm -rf $(VENV) $(DATA)
