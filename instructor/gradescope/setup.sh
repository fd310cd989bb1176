#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the bundle
# (dist/autograder.zip, from `make autograder`) is unpacked in /autograder/source.
# It installs the exact versions the grader was tested with (requirements.lock) into
# /autograder/venv, then the grader itself, and makes the instructors' files readable
# by root only. AUTOGRADER_ROOT overrides /autograder (the repository's tests).
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
cd "$root/source"

# The Python the pinned versions need (written into the lock by `make autograder`).
need=$(sed -n 's/^# requires-python: >=\([0-9][0-9.]*\).*/\1/p' requirements.lock)
need="${need:-3.10}"
image=$(sed -n 's/^# base-image: //p' requirements.lock)
image="${image:-Ubuntu 24.04 (Python 3.12)}"

if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv python3-pip
fi
if ! python3 -c "import sys; sys.exit(sys.version_info[:2] < tuple(map(int, '$need'.split('.'))))"; then
    have=$(python3 -c 'import platform; print(platform.python_version())' 2>/dev/null || echo unknown)
    cat >&2 <<EOF
setup.sh: this image's python3 is $have, but the grader needs Python $need or newer (the
versions pinned in requirements.lock, the ones it was tested with, need it; Python 3.10 is
the oldest the grader itself supports). In the assignment's autograder settings on
Gradescope, choose the base image $image (Ubuntu 22.04 has Python 3.10, Ubuntu 24.04 has
3.12), then upload dist/autograder.zip again.
EOF
    exit 1
fi

python3 -m venv "$root/venv"
"$root/venv/bin/python" -m pip install --quiet --upgrade pip
"$root/venv/bin/python" -m pip install -r requirements.lock
# Editable, so that the grader runs from /autograder/source (whose modes are set below)
# and no readable copy of it lands in site-packages.
"$root/venv/bin/python" -m pip install --no-deps -e .

# Where the sandbox cannot make namespaces (Docker's seccomp profile), it runs each
# submission as a second, unprivileged user: that user must read the library, the
# homework, the worker, the corpora and the venv, and nothing else. lock_secrets()
# makes every other top-level folder (instructor/, grader/, ...) readable by root only.
chmod o+x "$root" "$root/source"
chmod -R a+rX "$root/source" "$root/venv"
"$root/venv/bin/python" -c 'from grader.confine import lock_secrets; lock_secrets()'

# Fail the image build now rather than every student's run later.
"$root/venv/bin/python" -c 'import edugrad, hw3, sandboxed, grader.cli, instructor.hidden'
echo "setup.sh: installed $("$root/venv/bin/python" --version) with the pinned versions."
