#!/bin/bash
# The job that condor/grade.sub runs: grade one submission,
# `python -m grader grade SUBMISSION --out grades/ID`, arguments passed through unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
echo "== python -m grader grade $*"
exec python -m grader grade "$@"
