#!/bin/bash
# The job that condor/train.sub and condor/sweep.sub run: one training run of
# `python -m hw3.word2vec`, with this script's arguments passed through unchanged.
# Relative paths in the arguments (the corpus, --out) are taken from the repository root.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
echo "== python -m hw3.word2vec $*"
exec python -m hw3.word2vec "$@"
