#!/bin/bash
# The job that condor/grade.sub runs: grade one submission of the job list,
# `python -m instructor.fanout grade JOB --out grades/JOB` (instructor/fanout.py: it looks the
# submission up in condor/grade_list.json and grades it as grade-all does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
echo "== python -m instructor.fanout grade $*"
exec python -m instructor.fanout grade "$@"
