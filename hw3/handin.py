"""Package your hand-in: ``make submit`` (or ``python -m hw3.handin``).

Writes ``hw3-submission.tar.gz`` holding

    ops.py                  your starter/ops.py
    outputs/embeddings.txt  the training outputs of `make train` (or of a condor run:
    outputs/losses.csv      --outputs outputs/seed_1)
    outputs/metrics.json
    outputs/config.json
    outputs/neighbours.txt
    MANIFEST                the sha256 of every file above (`sha256sum -c MANIFEST` checks them)

It refuses, saying what to run, while an op still raises NotImplementedError (your
ops are tried in a separate process) or a training output is missing, empty or
damaged (JSON files that do not parse, an embeddings.txt whose "V d" header does not
match its rows and columns: the marks of an interrupted run).  The archive is
written to a temporary file and renamed into place, so a failed run never leaves a
half-written archive.  Upload the archive as it is.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from hw3.atomic import replacing
from hw3.errors import UsageError
from hw3.registry import NAMES

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_FILES = ("embeddings.txt", "losses.csv", "metrics.json", "config.json", "neighbours.txt")
ARCHIVE_ROOT_FILES = ("ops.py", *(f"outputs/{name}" for name in OUTPUT_FILES), "MANIFEST")
PROBE_TIMEOUT = 120  # seconds

# Run in a child process: imports the ops file by path and runs each op forward and
# backward on a tiny input; prints {op: "ok" | "todo" | "error: ..."} as JSON.
_PROBE = r"""
import json, sys
import numpy as np
from edugrad.tensor import Tensor
from hw3.ops_loader import load_ops
from hw3.errors import UsageError
from hw3.registry import OPS
try:
    ops = load_ops(sys.argv[1])
except UsageError as err:
    print(json.dumps({"load": str(err)})); sys.exit(0)
rng = np.random.default_rng(0)
status = {}
for op in OPS:
    name = op.name
    try:
        out = getattr(ops, name)(*[Tensor(x) for x in op.sample(rng, (2, 3))])
        out.backward(np.ones(np.shape(out.value)))
        status[name] = "ok"
    except NotImplementedError:
        status[name] = "todo"
    except Exception as err:
        status[name] = f"error: {type(err).__name__}: {err}"[:300]
print(json.dumps(status))
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m hw3.handin",
        description="Package your ops.py and training outputs into one archive to hand in "
                    "(checked first: every op implemented, every output present).")
    p.add_argument("--ops", default=str(REPO_ROOT / "starter" / "ops.py"),
                   help="your ops file (default starter/ops.py)")
    p.add_argument("--outputs", default=str(REPO_ROOT / "outputs"),
                   help="the training output folder (default outputs/; e.g. outputs/seed_1 "
                        "for a condor run)")
    p.add_argument("--out", default=str(REPO_ROOT / "hw3-submission.tar.gz"),
                   help="the archive to write (default hw3-submission.tar.gz)")
    return p


def probe_ops(ops_path: Path) -> dict:
    """Each op's status, found by running it in a child process (never in this one)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, str(ops_path)], capture_output=True, text=True,
            timeout=PROBE_TIMEOUT, env=env, stdin=subprocess.DEVNULL, cwd=REPO_ROOT,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"Trying your ops on a tiny input took more than {PROBE_TIMEOUT} s (an endless "
            "loop?). Run `make test` to find the op, fix it, then `make submit` again."
        ) from None
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        detail = (proc.stderr or proc.stdout).strip()[-500:]
        raise UsageError(
            f"Your ops could not be tried: the check stopped with exit status "
            f"{proc.returncode} ({detail or 'no message'}). Run `make test` for details."
        ) from None


def check(ops_path: Path, outputs: Path) -> list[str]:
    """Raise UsageError when the hand-in is not ready; return warnings otherwise."""
    if not ops_path.is_file():
        raise UsageError(f"No ops file at {ops_path}. Your ops live in starter/ops.py.")
    status = probe_ops(ops_path)
    if "load" in status:
        raise UsageError(status["load"])
    todo = [op for op in NAMES if status.get(op) == "todo"]
    if todo:
        raise UsageError(
            f"Not ready to hand in: {', '.join(todo)} still raise{'s' if len(todo) == 1 else ''} "
            "NotImplementedError in starter/ops.py. Implement "
            f"{'it' if len(todo) == 1 else 'them'} (run `make test` to check), then "
            "`make train`, then `make submit`."
        )
    warnings = [f"{op} failed on a tiny input ({status[op]}); `make test` shows why. The "
                "archive is written anyway: broken ops still earn partial credit."
                for op in NAMES if status.get(op, "ok") != "ok"]
    missing = [name for name in OUTPUT_FILES if not (outputs / name).is_file()]
    if missing:
        raise UsageError(
            f"Not ready to hand in: {outputs} lacks {', '.join(missing)}. Train first with "
            "`make train` (it writes outputs/), or point at a condor run's folder with "
            "`make submit OUTPUTS=outputs/seed_1`."
        )
    check_outputs(outputs)
    config = outputs / "config.json"
    try:
        trained = json.loads(config.read_text(encoding="utf-8")).get("ops", {})
    except (OSError, ValueError, AttributeError):
        trained = {}
    digest = hashlib.sha256(ops_path.read_bytes()).hexdigest()
    if isinstance(trained, dict) and trained.get("sha256") and trained["sha256"] != digest:
        warnings.append(
            f"{outputs} was trained with a different ops file than the {ops_path.name} you "
            "are handing in (it changed since). Re-run `make train` so the outputs match.")
    return warnings


def output_problems(outputs: Path) -> list[str]:
    """What is wrong with the (present) training outputs in ``outputs``: [] if nothing."""
    problems = []
    for name in OUTPUT_FILES:
        try:
            if (outputs / name).stat().st_size == 0:
                problems.append(f"{name} is empty")
        except OSError as err:
            problems.append(f"{name} cannot be read ({err.strerror or err})")
    if problems:
        return problems
    for name in ("metrics.json", "config.json"):
        try:
            data = json.loads((outputs / name).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                problems.append(f"{name} is not a JSON object")
        except (OSError, UnicodeDecodeError, ValueError) as err:
            problems.append(f"{name} is not valid JSON ({str(err)[:80]})")
    problems += _embeddings_problems(outputs / "embeddings.txt")
    return problems


def _embeddings_problems(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        return [f"embeddings.txt cannot be read as text ({str(err)[:80]})"]
    header = lines[0].split() if lines else []
    if len(header) != 2 or not all(x.isdigit() for x in header) or "0" in header:
        return [f"embeddings.txt does not start with the \"V d\" header of the word2vec "
                f"text format (it starts with {lines[0][:40]!r})"]
    words, dim = int(header[0]), int(header[1])
    rows = [line for line in lines[1:] if line.strip()]
    if len(rows) != words:
        return [f"embeddings.txt announces {words} words but holds {len(rows)} rows"]
    for number, row in enumerate(rows, start=2):
        fields = row.split()
        if len(fields) != dim + 1:
            return [f"embeddings.txt line {number} has {len(fields) - 1} numbers, not the "
                    f"{dim} of its header"]
        try:
            [float(x) for x in fields[1:]]
        except ValueError:
            return [f"embeddings.txt line {number} holds something that is not a number"]
    return []


def check_outputs(outputs: Path) -> None:
    problems = output_problems(outputs)
    if problems:
        raise UsageError(
            f"Not ready to hand in: in {outputs}, {'; '.join(problems)}. These look like the "
            "outputs of an interrupted or failed training run. Train again with `make train` "
            "(it rewrites outputs/), or point at a finished condor run with `make submit "
            "OUTPUTS=outputs/seed_1`, then run `make submit` again."
        )


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0  # same files -> same archive bytes
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def build_archive(ops_path: Path, outputs: Path, out: Path) -> dict:
    """Write the archive atomically; return {name: sha256} of its files."""
    files = {"ops.py": ops_path.read_bytes()}
    for name in OUTPUT_FILES:
        files[f"outputs/{name}"] = (outputs / name).read_bytes()
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    manifest = "".join(f"{digest}  {name}\n" for name, digest in digests.items())
    with replacing(out) as tmp, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            _add(tar, name, data)
        _add(tar, "MANIFEST", manifest.encode())
    return digests


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    ops_path, outputs, out = Path(args.ops), Path(args.outputs), Path(args.out)
    try:
        warnings = check(ops_path, outputs)
        build_archive(ops_path, outputs, out)
    except UsageError as err:
        print(f"make submit: {err}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    size = out.stat().st_size
    print(f"Wrote {out} ({size / 1024:.0f} KB): ops.py, outputs/ ({', '.join(OUTPUT_FILES)}) "
          "and MANIFEST. Upload this file as your hand-in.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
