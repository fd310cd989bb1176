"""`make bench`: SGNS in edugrad (the product) against a numpy ceiling and gensim.

    python -m bench.run [--epochs 5] [--repeats 3] [--systems product numpy gensim-1 gensim-2]

Every system trains on the same corpus with the same settings (the product's
defaults from hw3.train.TrainConfig, unless overridden here), each in its own
process, one after the other.  For each: training pairs/s (pairs as defined in
bench/systems.py; the training loop only), training seconds, wall seconds of the
whole process, peak RSS of that process, WordSim353 and SimLex-999 Spearman with
OOV rates, and the product's throughput divided by the system's, computed run by
run (repeats interleave the systems so they share the machine's noise; medians are
reported).  The table goes to bench/results.md (atomically) and stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.systems import SYSTEMS

ROOT = Path(__file__).resolve().parent.parent
SIMILARITY_FILES = (("WordSim353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(ROOT / "data/real/enwiki/corpus.txt"))
    p.add_argument("--similarity-dir", default=str(ROOT / "data/real/similarity"))
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3, help="runs per system (medians reported)")
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    p.add_argument("--batch-size", type=int, help="default: the product's default")
    p.add_argument("--lr", type=float, help="default: the product's default")
    p.add_argument("--subsample", type=float, help="default: the product's default")
    p.add_argument("--dtype", choices=("float32", "float64"), help="default: the product's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(ROOT / "bench/results.md"))
    return p.parse_args(argv)


def settings_from(args) -> dict:
    from hw3.train import TrainConfig

    config = TrainConfig(corpus=args.corpus, epochs=args.epochs, seed=args.seed,
                         dim=50, window=5, negatives=5, min_count=5)
    for name in ("batch_size", "lr", "subsample", "dtype"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    settings = config.to_dict()
    settings["similarity"] = [[name, str(Path(args.similarity_dir) / f)]
                              for name, f in SIMILARITY_FILES]
    return settings


def missing_data(settings) -> list[str]:
    paths = [settings["corpus"]] + [p for _, p in settings["similarity"]]
    return [p for p in paths if not Path(p).is_file()]


def run_child(system: str, settings: dict) -> dict:
    """Run one system in a fresh process; add its wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench.systems", system, json.dumps(settings), str(out)]
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        # wait4 gives this child's own resource usage (RUSAGE_CHILDREN would be the
        # maximum over every child so far).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            raise SystemExit(f"bench: {system} failed (exit status {proc.returncode}); "
                             "its error is printed above.")
        result = json.loads(out.read_text())
    result["wall"] = wall
    result["rss_mb"] = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    result["pairs_per_second"] = result["pairs"] / result["seconds"]
    return result


def summarise(runs: list[list[dict]], systems: list[str]) -> list[dict]:
    """Median over repeats per system; product ratios computed within each repeat."""
    rows = []
    for i, system in enumerate(systems):
        mine = [rep[i] for rep in runs]
        row = {
            "system": system,
            "pairs": mine[0]["pairs"],
            "pairs_per_second": statistics.median(r["pairs_per_second"] for r in mine),
            "seconds": statistics.median(r["seconds"] for r in mine),
            "wall": statistics.median(r["wall"] for r in mine),
            "rss_mb": max(r["rss_mb"] for r in mine),
            "similarity": mine[0]["similarity"],
            "ratio": None,
        }
        if "product" in systems:
            p = systems.index("product")
            row["ratio"] = statistics.median(
                rep[p]["pairs_per_second"] / rep[i]["pairs_per_second"] for rep in runs)
        rows.append(row)
    return rows


def _sim(cell) -> str:
    rho, oov = cell
    return f"{'n/a' if rho is None else f'{rho:.3f}'} ({100 * oov:.0f} % OOV)"


def render(rows: list[dict], settings: dict, meta: dict) -> str:
    names = [name for name, _ in settings["similarity"]]
    head = ["system", "pairs/s", "train s", "wall s", "peak RSS MB", *names, "product / this"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        cells = [r["system"], f"{r['pairs_per_second']:,.0f}", f"{r['seconds']:.1f}",
                 f"{r['wall']:.1f}", f"{r['rss_mb']:.0f}",
                 *[_sim(r["similarity"][n]) for n in names], ratio]
        lines.append("| " + " | ".join(cells) + " |")
    shown = {k: v for k, v in settings.items() if k != "similarity"}
    with contextlib.suppress(ValueError):  # show the corpus relative to the repository
        shown["corpus"] = Path(shown["corpus"]).resolve().relative_to(ROOT).as_posix()
    return "\n".join([
        "# SGNS benchmark: edugrad (the product) vs numpy and gensim",
        "",
        f"Generated by `make bench` (`python -m bench.run`) on {meta['date']}.",
        "",
        *lines,
        "",
        "- **product**: hw3.train.train with edugrad and the reference ops "
        "(grader/solution); **numpy**: bench/numpy_sgns.py, the same training written "
        "directly in numpy (the ceiling for this stack); **gensim-N**: gensim "
        "Word2Vec(sg=1, hs=0) with N worker threads.",
        "- A *training pair* is one positive (centre, context) pair with its K negatives. "
        "pairs/s = pairs trained / seconds of the training loop (no corpus reading, no "
        "vocabulary building, no evaluation); wall s and peak RSS are of the whole process.",
        f"- {meta['repeats']} run(s) per system, interleaved; medians shown; 'product / "
        "this' is the product's pairs/s over the system's, computed within each run.",
        f"- Pairs trained per system: {rows[0]['pairs']:,} (gensim: the same sampler's count "
        "for its settings, see bench/systems.py).",
        f"- Settings: `{json.dumps(shown)}`",
        f"- Machine: {meta['machine']}; load average before/after: {meta['load_before']} / "
        f"{meta['load_after']} (other work shares these cores: expect +-15 % noise).",
        f"- Versions: {meta['versions']}",
        "",
    ])


def machine_meta() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"python {platform.python_version()}"]
    for mod in ("numpy", "scipy", "gensim"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            versions.append(f"{mod} (not installed)")
    return {"machine": f"{os.cpu_count()} cores, {cpu}, {platform.system()}",
            "versions": ", ".join(versions)}


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    missing = missing_data(settings)
    if missing:
        print(f"bench: missing {', '.join(missing)}. The benchmark trains on the real corpus: "
              "run make data first (or pass --corpus and --similarity-dir).", file=sys.stderr)
        return 2
    meta = machine_meta()
    meta["load_before"] = load()
    meta["repeats"] = args.repeats
    runs = []
    for rep in range(args.repeats):
        results = []
        for system in args.systems:
            print(f"bench: run {rep + 1}/{args.repeats}: {system} ...", file=sys.stderr, flush=True)
            results.append(run_child(system, settings))
            r = results[-1]
            print(f"bench:   {r['pairs_per_second']:,.0f} pairs/s, {r['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
        runs.append(results)
    meta["load_after"] = load()
    meta["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = render(summarise(runs, args.systems), settings, meta)
    write_atomic(Path(args.out), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
