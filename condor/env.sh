# Sourced by the condor job scripts (train.sh, grade.sh): find the repository and use
# its own virtual environment.
#
# Why explicit activation and not `getenv = true` in the submit file: getenv copies the
# whole environment of the shell you happened to submit from (an activated venv or not,
# conda, a stray PYTHONPATH), so the same submit file behaves differently from one
# terminal to the next, and some pools restrict it. The repository's .venv, made by
# `make install` on the shared file system, is the same for every job on every node.

# The scripts run in place (transfer_executable = false), so their own path locates the
# repository even when the job's working directory is elsewhere.
HW3_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HW3_ROOT

venv="${HW3_VENV:-$HW3_ROOT/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "error: no Python environment at $venv. On the submit machine, run 'make install'" \
         "in $HW3_ROOT (it creates .venv), then submit again." >&2
    exit 2
fi
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:${PATH:-/usr/local/bin:/usr/bin:/bin}"
unset PYTHONHOME PYTHONPATH

# One thread per requested CPU: numpy's BLAS would otherwise start a thread per core of
# the node and compete with other people's jobs. HTCondor sets OMP_NUM_THREADS from
# request_cpus on recent versions; fall back to 1.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$OMP_NUM_THREADS}"
export MKL_NUM_THREADS="${MKL_NUM_THREADS:-$OMP_NUM_THREADS}"
# matplotlib (the loss plot) wants a writable config folder; condor jobs may have no HOME.
export MPLCONFIGDIR="${MPLCONFIGDIR:-${TMPDIR:-/tmp}/hw3-mpl-$(id -u)}"

cd "$HW3_ROOT"
echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname); python $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])'); in $HW3_ROOT"
