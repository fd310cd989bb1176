# HW3: skip-gram with negative sampling in edugrad.   `make` (or `make help`) lists everything.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV ?= .venv
# Use the project's venv when it exists (after `make install`), else the python on PATH.
PY ?= $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,python3)
# The python that creates the venv.
PYTHON ?= python3

.PHONY: help
help: ## Show this help
	@echo "HW3: skip-gram with negative sampling (word2vec) in edugrad"
	@echo
	@echo "Students:     make install, then make test until green, make train, make submit"
	@echo "Instructors:  make grade SUBMISSIONS=dir, make report, make release, make autograder"
	@echo "Maintainers:  make install-dev, make data, make check (what CI runs), make bench"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# `make install` is the students' set (pyproject.toml's test and plot extras); the student
# release keeps it and drops install-dev, the maintainers' set (the dev extras: gensim for
# `make data`, scipy, htcondor, ruff, ...).
.PHONY: install
install: ## Create .venv with what you need: numpy, tqdm, pytest, hypothesis, matplotlib
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test,plot]'
	@echo "Installed in $(VENV)/ (make uses it by itself). Next: make test."

.PHONY: install-dev
install-dev: install ## Maintainers: make install plus gensim (make data), scipy, htcondor, ruff, ...
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@echo "The maintainers' set is installed too. Next: make data, then make check."

.PHONY: lint
lint: ## Static checks (ruff)
	$(PY) -m ruff check .

.PHONY: check
# One worker per core, and at least two: the worker that takes the catalog's tests waits
# for their grade-all, so one more keeps running the rest meanwhile.
check: lint ## The repository's full test suite (what .ci/run calls), one process per core
	@if $(PY) -c "import xdist" 2>/dev/null; then \
		$(PY) -m pytest -q -n $$($(PY) -c "import os; print(max(2, os.cpu_count() or 1))") \
			--dist loadfile; \
	else \
		echo "pytest-xdist is not installed (make install-dev installs it): running the suite in one process, which takes longer."; \
		$(PY) -m pytest -q; \
	fi

.PHONY: data
data: ## Prepare real corpora + word-similarity sets into data/real/ (from gensim: make install-dev)
	$(PY) -m hw3.prepare_data

.PHONY: bench
bench: ## Speed benchmark: edugrad SGNS vs numpy vs gensim on the real corpus (~10 min; after make data)
	$(PY) -m bench.run

.PHONY: test
# Before `make install` there is no venv and make falls back to the python on PATH:
# when that one lacks the homework's packages, one line says what to run instead of
# a traceback.
.PHONY: deps
deps:
	@$(if $(wildcard $(VENV)/bin/python),true,$(PY) -c "import numpy, pytest, pytest_timeout, hypothesis, tqdm" 2>/dev/null) \
		|| { echo "The packages this homework needs are not installed for $(PY) (there is no $(VENV)/ here: make install has not run in this folder). Run make install, then make $(MAKECMDGOALS) again." >&2; exit 1; }

test: deps ## Check starter/ops.py with the public tests: a table per op and your estimated score
	$(PY) -m grader test "$(if $(OPS),$(OPS),starter/ops.py)"

SUBMISSIONS ?= submissions
GRADES ?= grades
JOBS ?= 2
# Gradebook inputs (optional; else GRADES/adjustments.csv and GRADES/roster.csv when they exist)
GRADEBOOK_ARGS = $(if $(ADJUSTMENTS),--adjustments $(ADJUSTMENTS)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)")
.PHONY: grade
grade: ## Instructors: grade what changed in SUBMISSIONS=dir into GRADES=grades (JOBS=2, ONLY="ids", FORCE=1)
	$(PY) -m grader grade-all $(SUBMISSIONS) --out $(GRADES) -j $(JOBS) $(foreach s,$(ONLY),--only $(s)) $(if $(FORCE),--force) $(GRADEBOOK_ARGS)

.PHONY: gradebook
gradebook: ## Instructors: rewrite GRADES/grades.csv (+ canvas.csv with ROSTER=) from GRADES/*/results.json, no grading
	$(PY) -m grader gradebook $(GRADES) $(GRADEBOOK_ARGS)

.PHONY: report
report: ## Instructors: class report GRADES/class-report.html + .md from GRADES/*/results.json (after make grade)
	$(PY) -m instructor.report $(GRADES)

# ---------------------------------------------------------------------------
# Hand-in, release, autograder (hw3/handin.py, instructor/release.py, instructor/gradescope/).
.PHONY: submit
submit: deps ## Package starter/ops.py (what is graded) into hw3-submission.tar.gz, checked first (PARTIAL=1: some ops unwritten)
	$(PY) -m hw3.handin $(if $(OUTPUTS),--outputs $(OUTPUTS)) $(if $(PARTIAL),--partial)

.PHONY: release
release: ## Instructors: build + verify the student release in dist/ (nothing of instructor/, no gradient oracle)
	$(PY) -m instructor.release

.PHONY: autograder
autograder: ## Instructors: the Gradescope autograder bundle dist/autograder.zip, versions pinned
	$(PY) -m instructor.gradescope

# ---------------------------------------------------------------------------
# HTCondor (patas): see condor/README.md. condor/logs/ is committed (condor/logs/.gitignore).
SUB ?= condor/train.sub
# Every command has its own output folder, so none replaces another's or makes it refuse
# to run: make train -> outputs/train/, cluster jobs -> outputs/condor/seed_N/ (train.sub's
# out_root), the dry run -> outputs/dryrun/ (it overrides out_root).
DRYRUN_OUT ?= outputs/dryrun
# data/real/ ships in the student release; a clone of the course repository has it only
# after `make data`. Without it the dry run trains on the toy corpus and says so.
SUB_CORPUS = $(lastword $(shell sed -n 's/^[[:space:]]*corpus[[:space:]]*=[[:space:]]*//p' $(SUB) 2>/dev/null))
NO_REAL_CORPUS = $(if $(filter data/real/%,$(SUB_CORPUS)),$(if $(wildcard $(SUB_CORPUS)),,yes))
NO_REAL_CORPUS_NOTE = note: $(SUB) trains on $(SUB_CORPUS), which is not here. data/real/ ships \
  in the student release; a clone of the course repository gets it from `make data` (after \
  `make install-dev`). This dry run trains on data/toy/corpus.txt instead. Before \
  condor_submit, run `make data`, or set corpus = data/toy/corpus.txt in $(SUB).
.PHONY: condor-dryrun
condor-dryrun: ## Run the first job of SUB=condor/train.sub here as condor would, into outputs/dryrun/ (SET="epochs=1")
	$(if $(NO_REAL_CORPUS),@echo '$(NO_REAL_CORPUS_NOTE)')
	$(PY) -m hw3.condor_dryrun $(SUB) --set out_root=$(DRYRUN_OUT) $(if $(NO_REAL_CORPUS),--set corpus=data/toy/corpus.txt) $(foreach s,$(SET),--set $(s))

# condor_submit exists only where HTCondor runs (patas): elsewhere, one line says so.
NEED_CONDOR = @command -v condor_submit >/dev/null 2>&1 || { echo "condor_submit is not installed here: HTCondor jobs are submitted on the cluster (log in to patas and run make $@ there). To try a job on this machine first, run make condor-dryrun." >&2; exit 1; }

.PHONY: condor-train
condor-train: ## Submit condor/train.sub (one training job per seed) to the cluster
	$(NEED_CONDOR)
	mkdir -p condor/logs
	condor_submit condor/train.sub

.PHONY: sweep-table
sweep-table: ## Write condor/sweep.txt: lr x dim x negatives x window x seeds (SWEEP="--random 8")
	$(PY) -m hw3.sweep table $(SWEEP)

.PHONY: sweep
sweep: sweep-table ## Submit the sweep (condor/sweep.sub, one job per line of condor/sweep.txt)
	$(NEED_CONDOR)
	mkdir -p condor/logs
	condor_submit condor/sweep.sub

.PHONY: sweep-summary
sweep-summary: ## Mean ± std over seeds per setting of the sweep (markdown table)
	$(PY) -m hw3.sweep summary $(if $(RUNS),$(RUNS),outputs/sweep)

.PHONY: condor-grade-list
condor-grade-list: ## Instructors: write condor/grade_list.txt from SUBMISSIONS=dir
	$(PY) -m instructor.fanout list $(SUBMISSIONS)

.PHONY: condor-grade
condor-grade: condor-grade-list ## Instructors: one grading job per submission on the cluster
	$(NEED_CONDOR)
	mkdir -p condor/logs
	condor_submit condor/grade.sub

.PHONY: condor-grade-merge
condor-grade-merge: ## Instructors: grades/grades.csv from the cluster jobs (same as make grade)
	$(PY) -m instructor.fanout merge --out $(GRADES) $(GRADEBOOK_ARGS)

# ---------------------------------------------------------------------------
OUT ?= outputs/train
.PHONY: train
train: deps ## Train word2vec with your starter/ops.py on the toy corpus into outputs/train/ (ARGS="--epochs 10", OUT=dir)
	$(PY) -m hw3.word2vec --ops starter --out $(OUT) --overwrite $(ARGS)

.PHONY: rubric
rubric: ## Print the rubric (every test, its points) and rewrite the handout's rubric table from hw3/registry.py
	$(PY) -m grader rubric
	$(PY) -m grader rubric --write-handout hw3/README.md
