# HW3: skip-gram with negative sampling in edugrad.   `make` (or `make help`) lists everything.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV ?= .venv
# Use the project's venv when it exists (after `make install`), else the python on PATH.
PY ?= $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,python3)

.PHONY: help
help: ## Show this help
	@echo "HW3: skip-gram with negative sampling (word2vec) in edugrad"
	@echo
	@echo "Students:     make install, then make test until green, make train, make submit"
	@echo "Instructors:  make grade SUBMISSIONS=dir, make release, make autograder"
	@echo "Maintainers:  make check (the whole test suite, what CI runs), make bench"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: install
install: ## Create .venv and install everything (editable) with the test extras
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@echo "Installed. Next: make check (maintainers) or make test (students)."

.PHONY: lint
lint: ## Static checks (ruff)
	$(PY) -m ruff check .

.PHONY: check
check: lint ## The repository's full test suite (what .ci/run calls)
	$(PY) -m pytest -q

.PHONY: data
data: ## Prepare real corpora + word-similarity sets into data/real/ (from gensim, no network)
	$(PY) -m hw3.prepare_data

.PHONY: bench
bench: ## Speed benchmark: edugrad SGNS vs numpy vs gensim on the real corpus (~10 min; after make data)
	$(PY) -m bench.run

.PHONY: test
test: ## Check starter/ops.py with the public tests: a table per op and your estimated score
	$(PY) -m grader test $(if $(OPS),$(OPS),starter/ops.py)

SUBMISSIONS ?= submissions
GRADES ?= grades
JOBS ?= 2
.PHONY: grade
grade: ## Instructors: grade every submission in SUBMISSIONS=dir into grades/ (JOBS=2)
	$(PY) -m grader grade-all $(SUBMISSIONS) --out $(GRADES) -j $(JOBS)

# ---------------------------------------------------------------------------
# Targets below are placeholders until their owners land them; each exits 1.
.PHONY: train submit release autograder
train submit release autograder:
	@echo "make $@: not built yet." >&2; exit 1
