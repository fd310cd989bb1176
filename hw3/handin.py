"""Package your hand-in: ``make submit`` (or ``python -m hw3.handin``).

What is graded is ``starter/ops.py`` and nothing else: the grader runs its own tests
on your four ops, and trains word2vec with them itself.  So the archive,
``hw3-submission.tar.gz``, holds

    ops.py                  your starter/ops.py (graded)
    outputs/...             your training outputs, when outputs/train/ (or --outputs)
                            holds a finished run: embeddings.txt, losses.csv,
                            metrics.json, config.json, neighbours.txt (not graded; for
                            the course staff to look at)
    MANIFEST                the sha256 of every file above (`sha256sum -c MANIFEST` checks them)

It refuses, saying what to run, while an op still raises NotImplementedError (your
ops are tried on a tiny input in a separate process).  Training outputs are optional:
an unfinished or damaged output folder (a missing file, JSON that does not parse, an
embeddings.txt whose "V d" header does not match its rows: the marks of an
interrupted run) is left out with a warning, never a refusal.  The archive is written
to a temporary file, read back and checked against the MANIFEST, then renamed into
place, so a failed run never leaves a half-written archive.  Upload it as it is.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from hw3.atomic import replacing
from hw3.cli_help import Parser
from hw3.errors import UsageError
from hw3.registry import NAMES

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUTS = REPO_ROOT / "outputs" / "train"  # where `make train` writes
OUTPUT_FILES = ("embeddings.txt", "losses.csv", "metrics.json", "config.json", "neighbours.txt")
ARCHIVE_ROOT_FILES = ("ops.py", *(f"outputs/{name}" for name in OUTPUT_FILES), "MANIFEST")
NOT_GRADED = ("Only ops.py is graded: the grader tests your ops and trains word2vec with "
              "them itself, so training outputs are optional and earn no points.")
PROBE_TIMEOUT = 30  # seconds (the four ops on tiny inputs take well under one)

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
    p = Parser(
        prog="python -m hw3.handin",
        description="Package your ops.py, the one file that is graded, into an archive to "
                    "hand in (checked first: every op implemented and tried on a tiny "
                    "input). Your training outputs go in too when there are finished ones; "
                    "they are not graded.")
    p.add_argument("--ops", default=str(REPO_ROOT / "starter" / "ops.py"),
                   help="your ops file (default starter/ops.py)")
    p.add_argument("--outputs", default=None,
                   help="a training output folder to include, not graded (default "
                        "outputs/train/ when it holds a finished run; e.g. "
                        "outputs/condor/seed_1 for a condor run)")
    p.add_argument("--out", default=str(REPO_ROOT / "hw3-submission.tar.gz"),
                   help="the archive to write (default hw3-submission.tar.gz; the one it "
                        "replaces is kept as hw3-submission.previous.tar.gz)")
    p.add_argument("--partial", action="store_true",
                   help="hand in even though some ops are not written yet (make submit "
                        "PARTIAL=1): the written ones earn their points")
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


def check(ops_path: Path, partial: bool = False) -> list[str]:
    """Raise UsageError when ops.py is not ready to hand in; return warnings otherwise.
    With ``partial``, ops not written yet are a warning, not a refusal."""
    if not ops_path.is_file():
        raise UsageError(f"No ops file at {ops_path}. Your ops live in starter/ops.py.")
    print("Checking your ops on tiny inputs (a few seconds)...", flush=True)
    status = probe_ops(ops_path)
    if "load" in status:
        raise UsageError(status["load"])
    todo = [op for op in NAMES if status.get(op) == "todo"]
    them = "it" if len(todo) == 1 else "them"
    if len(todo) == len(NAMES):
        raise UsageError(
            "Not ready to hand in: no op is written yet (all of them still raise "
            "NotImplementedError in starter/ops.py), so there is nothing to grade. Write them "
            "(run `make test` to check), then `make submit` again."
        )
    if todo and not partial:
        raise UsageError(
            f"Not ready to hand in: {', '.join(todo)} still raise{'s' if len(todo) == 1 else ''} "
            "NotImplementedError (in forward or backward) in starter/ops.py. Implement "
            f"{them} (run `make test` to check), then `make submit` again; or, to hand in "
            "what you have now (the written ops earn their points), run "
            "`make submit PARTIAL=1`."
        )
    return [f"{', '.join(todo)} {'is' if len(todo) == 1 else 'are'} not written yet (they "
            "raise NotImplementedError) and earn no points; the archive is written anyway, "
            "as you asked (PARTIAL=1)."] * bool(todo) + [
        f"{op} failed on a tiny input ({status[op]}); `make test` shows why. The "
        "archive is written anyway: broken ops still earn partial credit."
        for op in NAMES if status.get(op, "ok") not in ("ok", "todo")]


def choose_outputs(ops_path: Path, given: str | None) -> tuple[Path | None, list[str]]:
    """The training output folder to include (None: none) and warnings about it.

    Outputs are not graded, so nothing about them refuses the hand-in, except naming
    a folder that does not exist (a typo the student wants to hear about)."""
    outputs = Path(given) if given is not None else DEFAULT_OUTPUTS
    if not outputs.is_dir():
        if given is not None:
            raise UsageError(
                f"--outputs {given}: there is no such folder. Give a finished training "
                "run's folder (`make train` writes outputs/train, condor jobs "
                "outputs/condor/seed_N), or leave OUTPUTS out: only ops.py is graded."
            )
        return None, []
    missing = [name for name in OUTPUT_FILES if not (outputs / name).is_file()]
    if len(missing) == len(OUTPUT_FILES):
        runs = sorted(p.parent for p in outputs.glob("*/metrics.json"))
        if runs:  # OUTPUTS=outputs: the runs are in its subfolders
            return None, [
                f"{_shown(outputs)} holds training runs in its subfolders, not one run, so no "
                f"outputs were included. Name one, e.g. `make submit OUTPUTS="
                f"{_shown(runs[0])}` (outputs are not graded: this costs nothing)."]
    problems = ([f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"]
                if missing else output_problems(outputs))
    if problems:
        return None, [
            f"the training outputs in {_shown(outputs)} were left out: {'; '.join(problems)} "
            "(an interrupted or failed run?). That costs nothing, since outputs are not "
            "graded; to include them, train again with `make train`, then `make submit`."]
    warnings = []
    try:
        trained = json.loads((outputs / "config.json").read_text(encoding="utf-8")).get("ops", {})
    except (OSError, ValueError, AttributeError):
        trained = {}
    digest = hashlib.sha256(ops_path.read_bytes()).hexdigest()
    if isinstance(trained, dict) and trained.get("sha256") and trained["sha256"] != digest:
        warnings.append(
            f"{_shown(outputs)} was trained with a different ops file than the {ops_path.name} you "
            "are handing in (it changed since). They are included anyway (not graded); "
            "re-run `make train` if you want them to match.")
    return outputs, warnings


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


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0  # same files -> same archive bytes
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def build_archive(ops_path: Path, outputs: Path | None, out: Path) -> dict:
    """Write the archive atomically (checked before it replaces ``out``); return
    {name: sha256} of its files."""
    files = {"ops.py": ops_path.read_bytes()}
    for name in OUTPUT_FILES if outputs is not None else ():
        files[f"outputs/{name}"] = (outputs / name).read_bytes()
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    manifest = "".join(f"{digest}  {name}\n" for name, digest in digests.items())
    with replacing(out) as tmp:
        with open(tmp, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in files.items():
                _add(tar, name, data)
            _add(tar, "MANIFEST", manifest.encode())
        verify_archive(Path(tmp), {**digests, "MANIFEST": hashlib.sha256(
            manifest.encode()).hexdigest()})
    return digests


def verify_archive(path: Path, digests: dict) -> None:
    """Read the written archive back: exactly ``digests``' files, with those contents."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            found = {m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest()
                     for m in tar.getmembers() if m.isfile()}
    except (OSError, tarfile.TarError, EOFError) as err:
        found = {"(unreadable)": str(err)}
    if found != digests:
        raise UsageError(
            f"The archive did not read back as written ({path.name}; the disk full?). "
            "Nothing was replaced: free some space and run `make submit` again."
        )


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def previous_name(out: Path) -> Path:
    """Where the archive ``out`` replaces is kept: hw3-submission.previous.tar.gz."""
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if out.name.endswith(suffix):
            return out.with_name(out.name[: -len(suffix)] + ".previous" + suffix)
    return out.with_name(out.name + ".previous")


def keep_previous(out: Path) -> Path | None:
    """Copy the archive about to be replaced aside (atomically); its new path, or None."""
    if not out.is_file():
        return None
    kept = previous_name(out)
    with replacing(kept) as tmp:
        shutil.copyfile(out, tmp)
    return kept


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    ops_path, out = Path(args.ops), Path(args.out)
    kept = None
    try:
        warnings = check(ops_path, args.partial)
        outputs, more = choose_outputs(ops_path, args.outputs)
        kept = keep_previous(out)
        build_archive(ops_path, outputs, out)
    except UsageError as err:
        print(f"make submit: {err}", file=sys.stderr)
        return 2
    for warning in warnings + more:
        print(f"warning: {warning}", file=sys.stderr)
    size = out.stat().st_size
    held = (f"ops.py, the training outputs of {_shown(outputs)} and MANIFEST"
            if outputs is not None else "ops.py and MANIFEST")
    print(f"Wrote {_shown(out)} ({size / 1024:.0f} KB): {held}. {NOT_GRADED} Upload this "
          "file as your hand-in."
          + (f" (The archive it replaced is kept as {_shown(kept)}.)" if kept else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
