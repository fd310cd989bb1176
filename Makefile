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
	@echo "Instructors:  make grade SUBMISSIONS=dir, make report, make release, make autograder"
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
# Hand-in, release, autograder (grader/release.py, hw3/handin.py, grader/gradescope/).
.PHONY: submit
submit: ## Package starter/ops.py + outputs/ into hw3-submission.tar.gz (checked first)
	$(PY) -m hw3.handin $(if $(OUTPUTS),--outputs $(OUTPUTS))

.PHONY: release
release: ## Instructors: build + verify the student release in dist/ (no solution, no hidden tests)
	$(PY) -m grader.release

.PHONY: autograder
autograder: ## Instructors: the Gradescope autograder bundle dist/autograder.zip
	$(PY) -m grader.gradescope

# ---------------------------------------------------------------------------
# HTCondor (patas): see condor/README.md. condor/logs/ is committed (condor/logs/.gitignore).
SUB ?= condor/train.sub
.PHONY: condor-dryrun
condor-dryrun: ## Run the first job of SUB=condor/train.sub here, exactly as condor would (SET="epochs=1")
	$(PY) -m hw3.condor_dryrun $(SUB) $(foreach s,$(SET),--set $(s))

.PHONY: condor-train
condor-train: ## Submit condor/train.sub (one training job per seed) to the cluster
	mkdir -p condor/logs
	condor_submit condor/train.sub

.PHONY: sweep-table
sweep-table: ## Write condor/sweep.txt: lr x dim x negatives x window x seeds (SWEEP="--random 8")
	$(PY) -m hw3.sweep table $(SWEEP)

.PHONY: sweep
sweep: sweep-table ## Submit the sweep (condor/sweep.sub, one job per line of condor/sweep.txt)
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
	mkdir -p condor/logs
	condor_submit condor/grade.sub

.PHONY: condor-grade-merge
condor-grade-merge: ## Instructors: grades/grades.csv from the cluster jobs (same as make grade)
	$(PY) -m instructor.fanout merge --out $(GRADES) $(GRADEBOOK_ARGS)

# ---------------------------------------------------------------------------
OUT ?= outputs
.PHONY: train
train: ## Train word2vec with your starter/ops.py on the toy corpus into outputs/ (ARGS="--epochs 10", OUT=dir)
	$(PY) -m hw3.word2vec --ops starter --out $(OUT) --overwrite $(ARGS)
