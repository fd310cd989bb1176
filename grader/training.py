"""End-to-end checks: train SGNS with the submission's ops and compare with a reference run.

A reference run is a JSON file (``grader/reference/<name>.json``): every training
setting, the loss curve the reference ops give, and the neighbour purity they
reach.  The public run ships so that ``make test`` can check it; when instructors
grade, the hidden side registers its own runs (``register``): the hidden
run, and the public run again with settings students do not have, so that a
submission cannot pass by replaying a curve it copied.  Reference files are made
with ``python -m instructor reference``.

Why these tolerances (``LOSS_RTOL``): runs are float64 and seeded, so correct
implementations written differently differ only by rounding (measured: within
4.1e-16 relative of the reference curve at every logged point); wrong gradients
move it by 20 % or more, or make it diverge.  1e-5 sits far above the noise and far
below the smallest real error.  Neighbours are judged only after a run that
followed the reference: a run that did not is already wrong, and neighbours of a run
that never happened (a replayed curve) mean nothing.
"""

from __future__ import annotations

import json
import os

import numpy as np

from grader.subject import CheckFailed, Subject

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_DIR = os.path.join(ROOT, "grader", "reference")
CORPUS = os.path.join(ROOT, "data", "toy", "corpus.txt")
CLASSES = os.path.join(ROOT, "data", "toy", "classes.tsv")
PUBLIC_RUN = "short"

# A run takes ~0.5 s of CPU here; this leaves room for a loaded machine or a slow
# container (Gradescope's 0.5 vCPU), and bounds a backward too slow to train with.
TIMEOUT_SECONDS = 20.0
LOSS_RTOL = 1e-5
PURITY_MARGIN = 0.05

_runs: dict[str, str] = {PUBLIC_RUN: os.path.join(REFERENCE_DIR, f"{PUBLIC_RUN}.json")}
_cache: dict[tuple[int, str], dict | CheckFailed] = {}


def register(name: str, path: str) -> None:
    """Use the reference run in ``path`` under ``name`` (replacing the public one, or
    adding a hidden one)."""
    _runs[name] = path


def load_reference(name: str) -> dict:
    with open(_runs[name], encoding="utf-8") as f:
        return json.load(f)


def config_for(name: str) -> dict:
    return {**load_reference(name)["config"], "corpus": CORPUS}


def purity(embeddings, words) -> float:
    from hw3.evaluate import neighbour_purity, read_classes

    if isinstance(words, str):
        words = words.split("\n")
    return float(neighbour_purity(np.asarray(embeddings), list(words), read_classes(CLASSES)))


def run(sub: Subject, name: str) -> dict:
    """Train with the submission's ops (once per submission and run).

    A failed run is remembered too, and a run that hung or crashed stops the other
    runs from being tried: a submission that loops forever costs one timeout.
    """
    key = (id(sub), name)
    if key in _cache:
        cached = _cache[key]
        if isinstance(cached, CheckFailed):
            raise cached
        return cached
    for (owner, other), failed in _cache.items():
        if owner == id(sub) and isinstance(failed, CheckFailed) and getattr(failed, "fatal",
                                                                            False):
            raise CheckFailed(f"Not run: the {other} training run already failed: {failed}")
    try:
        reply = sub.train(config_for(name), TIMEOUT_SECONDS)
    except CheckFailed as err:
        err.fatal = sub.poison is not None  # timeout/crash rather than an exception
        _cache[key] = err
        raise
    _cache[key] = reply
    return reply


def trajectory_problem(sub: Subject, name: str) -> str:
    """Why the run does not follow the reference ('' when it does)."""
    ref = load_reference(name)
    got = run(sub, name)
    losses = np.asarray(got["losses"], dtype=np.float64)
    want = np.asarray(ref["losses"], dtype=np.float64)
    if losses.shape != want.shape:
        return (f"training logged {losses.size} loss values, the reference {want.size}: did "
                "training stop early?")
    bad = ~np.isfinite(losses)
    if bad.any():
        return (f"the training loss became {losses[bad][0]} at logged step "
                f"{int(np.argmax(bad)) + 1}: one of your ops produces NaN/inf.")
    rel = np.abs(losses - want) / np.abs(want)
    if rel.max() > LOSS_RTOL:
        first = int(np.argmax(rel > LOSS_RTOL))
        return (f"training with your ops does not follow the reference: the mean loss first "
                f"departs at logged point {first + 1} of {want.size} (yours "
                f"{losses[first]:.6f}, reference {want[first]:.6f}); at the end yours is "
                f"{losses[-1]:.4f}, the reference {want[-1]:.4f}. Training uses every op: if "
                "one of them fails its own tests, fix that first.")
    return ""


def check_trajectory(sub: Subject, name: str) -> None:
    problem = trajectory_problem(sub, name)
    if problem:
        raise CheckFailed(problem)


def check_neighbours(sub: Subject, name: str) -> None:
    if trajectory_problem(sub, name):
        raise CheckFailed("Not checked: this training run did not follow the reference (see "
                          "the loss-curve test), so its neighbours say nothing yet.")
    ref = load_reference(name)
    got = run(sub, name)
    value = purity(got["embeddings"], got["words"])
    floor = ref["purity"] - PURITY_MARGIN
    if not value >= floor:
        raise CheckFailed(f"nearest neighbours after training are not sensible: neighbour "
                          f"purity {value:.3f}, the reference run gets {ref['purity']:.3f} "
                          f"(at least {floor:.3f} needed).")
