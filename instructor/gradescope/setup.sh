#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. The bundle
# (dist/autograder.zip, from `make autograder`) is unpacked in /autograder/source.
# It installs the grader and its test dependencies into /autograder/venv.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install -e '.[test]'
# Fail the image build now rather than every student's run later.
/autograder/venv/bin/python -c 'import edugrad, hw3, grader.cli, grader.rubric.hidden'
