"""`make bench`: SGNS in edugrad (the product) against a numpy ceiling and gensim.

    python -m bench.run [--epochs 5] [--repeats 3] [--systems product numpy gensim-1 ...]
                        [--lr-grid 0.025 0.05 0.1 0.2]

Two tables go to bench/results.md (atomically) and stdout:

* **speed**: every system trains on the same corpus with the same settings (the
  product's defaults from hw3.train.TrainConfig, unless overridden here), each in its
  own process, one after the other.  For each: training pairs/s (pairs as defined in
  bench/systems.py; the training loop only), training seconds, wall seconds of the
  whole process, peak RSS of that process, WordSim353 and SimLex-999 Spearman with
  OOV rates, and the product's throughput divided by the system's, computed run by
  run (repeats interleave the systems so they share the machine's noise; medians are
  reported).
* **quality at equal epochs**: the product and gensim (1 worker) at each learning
  rate of ``--lr-grid``, once each (both are deterministic for a seed), so each is
  compared at its own best rate as well as at the product's.

More tables plug in through ``extra_tables`` (see there).  bench/findings.md (hand-made
measurements behind the code's choices, not re-measured here) is copied in after the
tables.
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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench.systems import SYSTEMS

ROOT = Path(__file__).resolve().parent.parent
SIMILARITY_FILES = (("WordSim353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt"))
LR_GRID = (0.025, 0.05, 0.1, 0.2)  # 0.025: gensim's (and word2vec's) default
QUALITY_SYSTEMS = ("product", "gensim-1")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(ROOT / "data/real/enwiki/corpus.txt"))
    p.add_argument("--similarity-dir", default=str(ROOT / "data/real/similarity"))
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3, help="runs per system (medians reported)")
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    p.add_argument("--lr-grid", nargs="*", type=float, default=list(LR_GRID),
                   help="learning rates of the quality table (none: no quality table)")
    p.add_argument("--quality-systems", nargs="+", default=list(QUALITY_SYSTEMS),
                   choices=SYSTEMS, help="systems of the quality table")
    p.add_argument("--batch-size", type=int, help="default: the product's default")
    p.add_argument("--lr", type=float, help="default: the product's default")
    p.add_argument("--subsample", type=float, help="default: the product's default")
    p.add_argument("--dtype", choices=("float32", "float64"), help="default: the product's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--grading-repeats", type=int, default=5,
                   help="grades of the reference per kind for the grading-cost table (0: none)")
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


def run_child(system: str, settings: dict, allow_divergence: bool = False) -> dict:
    """Run one system in a fresh process; add its wall time and peak RSS.  A run whose
    loss diverged stops the benchmark unless ``allow_divergence`` (then it is returned
    with its "diverged" message)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench.systems", system, json.dumps(settings), str(out)]
        # PYTHONHASHSEED: gensim seeds with Python's hash, so a fixed one makes its
        # 1-worker runs repeatable across processes.
        env = dict(os.environ, PYTHONHASHSEED="0",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        load_at_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
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
    if "diverged" in result:
        if not allow_divergence:
            raise SystemExit(f"bench: {system} diverged: {result['diverged']}.")
        result["load"] = load_at_start
        return result
    result["wall"] = wall
    result["load"] = load_at_start
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
            "cpu": statistics.median(r["cpu"] for r in mine),
            "wall": statistics.median(r["wall"] for r in mine),
            "rss_mb": max(r["rss_mb"] for r in mine),
            "similarity": mine[0]["similarity"],
            "ratio": None,
            "cpu_ratio": None,
        }
        if "product" in systems:
            p = systems.index("product")
            row["ratio"] = statistics.median(
                rep[p]["pairs_per_second"] / rep[i]["pairs_per_second"] for rep in runs)
            # CPU per pair, the system's over the product's: how much less CPU the
            # product needs per pair (less sensitive to other work on the machine).
            row["cpu_ratio"] = statistics.median(
                (rep[i]["cpu"] / rep[i]["pairs"]) / (rep[p]["cpu"] / rep[p]["pairs"])
                for rep in runs)
        rows.append(row)
    return rows


def _sim(cell) -> str:
    rho, oov = cell
    return f"{'n/a' if rho is None else f'{rho:.3f}'} ({100 * oov:.0f} % OOV)"


@dataclass
class Table:
    """One table of results.md: a heading, a header row, rows of cells, notes below."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"## {self.title}", "", "| " + " | ".join(self.header) + " |",
                 "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in self.rows]
        return "\n".join(lines + [""] + [f"- {n}" for n in self.notes]) + "\n"


def per_run_ratio(runs: list[list[dict]], systems: list[str], a: str, b: str) -> list[float]:
    """a's pairs/s over b's in each run (both ran in it, one after the other)."""
    i, j = systems.index(a), systems.index(b)
    return [rep[i]["pairs_per_second"] / rep[j]["pairs_per_second"] for rep in runs]


def speed_table(rows: list[dict], settings: dict, repeats: int,
                runs: list[list[dict]] | None = None) -> Table:
    names = [name for name, _ in settings["similarity"]]
    table = Table("Speed (same settings for every system)",
                  ["system", "pairs/s", "train s", "wall s", "peak RSS MB", *names,
                   "CPU us/pair", "product / this, CPU", "product / this"])
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        cpu_ratio = "" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.2f}x"
        table.rows.append([r["system"], f"{r['pairs_per_second']:,.0f}", f"{r['seconds']:.1f}",
                           f"{r['wall']:.1f}", f"{r['rss_mb']:.0f}",
                           *[_sim(r["similarity"][n]) for n in names],
                           f"{1e6 * r['cpu'] / r['pairs']:.2f}", cpu_ratio, ratio])
    table.notes = [
        "**product**: hw3.train.train with edugrad and the reference ops "
        "(`load_ops(\"solution\")`), one worker: what students run; **product-2t / "
        "product-2p**: the same with `--workers 2` as threads / forked processes sharing "
        "the tables (hw3/parallel.py; not bit-reproducible); **numpy**: "
        "bench/numpy_sgns.py, the same training written directly in numpy (the ceiling "
        "for this stack); **gensim-N**: gensim Word2Vec(sg=1, hs=0) with N worker threads, "
        f"at the same learning rate ({settings['lr']}).",
        "A *training pair* is one positive (centre, context) pair with its K negatives. "
        "pairs/s = pairs trained / seconds of the training loop (no corpus reading, no "
        "vocabulary building, no evaluation); wall s and peak RSS are of the whole process.",
        f"{repeats} run(s) per system, interleaved; medians shown; 'product / this' is the "
        "product's pairs/s over the system's, computed within each run. CPU us/pair: CPU "
        "time of the training loop (every thread and worker process) per pair; 'product / "
        "this, CPU' is the system's CPU per pair over the product's, within each run: the "
        "speed ratio the product would have on an otherwise idle core (it moves less than "
        "pairs/s when other work shares the machine; for 2-worker systems it compares "
        "efficiency, not speed).",
        f"Pairs trained per system: {rows[0]['pairs']:,} (gensim: the same sampler's count "
        "for its settings, see bench/systems.py).",
    ]
    systems = [r["system"] for r in rows]
    if runs and "gensim-1" in systems:
        for name in [s for s in systems if s.startswith("product-")]:
            ratios = per_run_ratio(runs, systems, name, "gensim-1")
            table.notes.append(
                f"{name} / gensim-1 within each run: "
                f"{', '.join(f'{x:.2f}x' for x in ratios)} (median "
                f"{statistics.median(ratios):.2f}x).")
    return table


def quality_table(results: dict, settings: dict) -> Table:
    """``results``: {(system, lr): run result}; the best gensim by WordSim353 is marked."""
    names = [name for name, _ in settings["similarity"]]
    first = names[0] if names else None

    def score(r):
        rho = r["similarity"][first][0] if first and "diverged" not in r else None
        return -1.0 if rho is None else rho

    best = {}
    for (system, lr), r in results.items():
        if system not in best or score(r) > score(results[(system, best[system])]):
            best[system] = lr
    table = Table(f"Quality at equal epochs ({settings['epochs']}), by learning rate",
                  ["system", "lr", *names, "note"])
    for (system, lr), r in sorted(results.items()):
        note = []
        if lr == settings["lr"]:
            note.append("the product's default lr")
        if system.startswith("gensim") and lr == 0.025:
            note.append("gensim's default lr")
        if best.get(system) == lr and len([k for k in results if k[0] == system]) > 1:
            note.append(f"best {system} ({first})")
        if "diverged" in r:
            note.append(f"diverged: {r['diverged']}")
            cells = ["-"] * len(names)
        else:
            cells = [_sim(r["similarity"][n]) for n in names]
        table.rows.append([system, f"{lr:g}", *cells, "; ".join(note)])
    table.notes = [
        "Each cell is one run (the product and 1-worker gensim repeat for a seed); every other "
        "setting as in the speed table. gensim's lr is its `alpha`, decaying linearly to "
        "`alpha * min_lr_fraction` as the product's does.",
    ]
    gensims = [s for s in best if s.startswith("gensim")]
    if first and "product" in best and gensims:
        g = max(gensims, key=lambda s: score(results[(s, best[s])]))
        p_best, g_best = results[("product", best["product"])], results[(g, best[g])]
        gaps = "n/a" if "diverged" in p_best or "diverged" in g_best else ", ".join(
            f"{n} {p_best['similarity'][n][0] - g_best['similarity'][n][0]:+.3f}"
            for n in names if None not in (p_best['similarity'][n][0],
                                           g_best['similarity'][n][0]))
        table.notes.append(f"Product at its best lr ({best['product']:g}) minus {g} at its "
                           f"best lr ({best[g]:g}): {gaps}.")
    return table


def extra_tables(settings: dict, meta: dict) -> list[Table]:
    """More tables for results.md, each a ``Table`` placed after the speed and quality
    tables: the cost of grading one submission (bench/grading.py)."""
    from bench import grading

    repeats = meta.get("grading_repeats", 5)
    return [grading.table(repeats)] if repeats > 0 else []


FINDINGS = Path(__file__).resolve().parent / "findings.md"


def render(tables: list[Table], settings: dict, meta: dict) -> str:
    shown = {k: v for k, v in settings.items() if k != "similarity"}
    with contextlib.suppress(ValueError):  # show the corpus relative to the repository
        shown["corpus"] = Path(shown["corpus"]).resolve().relative_to(ROOT).as_posix()
    return "\n".join([
        "# SGNS benchmark: edugrad (the product) vs numpy and gensim",
        "",
        f"Generated by `make bench` (`python -m bench.run`) on {meta['date']}.",
        "",
        *[t.render() for t in tables],
        *([FINDINGS.read_text(encoding="utf-8")] if FINDINGS.is_file() else []),
        "## Conditions",
        "",
        f"- Settings: `{json.dumps(shown)}`",
        f"- Machine: {meta['machine']}; load average (1, 5, 15 min) before / after: "
        f"{meta['load_before']} / {meta['load_after']}; 1-min load when each run started: "
        f"{meta['load_runs']} (other work shares these cores: expect +-15 % noise, more "
        "when the load is above the number of cores).",
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


def _run(system: str, settings: dict, loads: list, allow_divergence: bool = False) -> dict:
    print(f"bench: {system} (lr {settings['lr']}) ...", file=sys.stderr, flush=True)
    r = run_child(system, settings, allow_divergence)
    loads.append(r["load"])
    if "diverged" in r:
        print(f"bench:   diverged: {r['diverged']}", file=sys.stderr, flush=True)
    else:
        print(f"bench:   {r['pairs_per_second']:,.0f} pairs/s, {r['seconds']:.1f} s",
              file=sys.stderr, flush=True)
    return r


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
    loads = []
    runs = []
    for rep in range(args.repeats):
        print(f"bench: speed, run {rep + 1}/{args.repeats}", file=sys.stderr, flush=True)
        runs.append([_run(system, settings, loads) for system in args.systems])
    tables = [speed_table(summarise(runs, args.systems), settings, args.repeats, runs)]
    if args.lr_grid:
        quality = {}
        for system in args.quality_systems:
            for lr in args.lr_grid:
                if lr == settings["lr"] and system in args.systems:  # already run: reuse
                    quality[(system, lr)] = runs[0][args.systems.index(system)]
                else:
                    quality[(system, lr)] = _run(system, {**settings, "lr": lr}, loads,
                                                 allow_divergence=True)
        tables.append(quality_table(quality, settings))
    meta["grading_repeats"] = args.grading_repeats
    tables += extra_tables(settings, meta)
    meta["load_after"] = load()
    meta["load_runs"] = (f"{min(loads):.2f}-{max(loads):.2f}, median "
                         f"{statistics.median(loads):.2f}") if loads else "n/a"
    meta["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = render(tables, settings, meta)
    write_atomic(Path(args.out), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
