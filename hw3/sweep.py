"""Hyper-parameter sweeps on the cluster: the job table, and the summary afterwards.

    python -m hw3.sweep table                      # grid over lr x dim x negatives x window x seeds
    python -m hw3.sweep table --random 8 --search-seed 0 --lr 0.005 0.2   # random search
    condor_submit condor/sweep.sub                 # one job per line of condor/sweep.txt
    python -m hw3.sweep summary                    # mean +- std per setting, as a markdown table

(``make sweep-table``, ``make sweep`` and ``make sweep-summary`` do the same.)  The
table has one line per job, ``setting lr dim negatives window seed``, read by
``queue setting, lr, dim, negatives, window, seed from condor/sweep.txt``; the cluster
does the fan-out, each job writing ``outputs/sweep/<setting>/seed_<seed>/``.  As the
slides say, the seed is not a hyper-parameter: every setting runs on the same seeds
and the summary reports the mean and standard deviation over them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

from hw3.atomic import write_text
from hw3.cli_help import Parser
from hw3.errors import UsageError

COLUMNS = ("setting", "lr", "dim", "negatives", "window", "seed")
DEFAULT_TABLE = Path("condor/sweep.txt")
DEFAULT_ROOT = Path("outputs/sweep")
# Keys of config.json that identify a run rather than a setting.
NOT_SETTINGS = {"seed", "out", "overwrite", "progress", "quiet"}
DEFAULT_METRICS = ("final_loss", "neighbour_purity")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m hw3.sweep",
        description="Write the job table of a hyper-parameter sweep for condor/sweep.sub, "
                    "or summarise a finished sweep (mean and std over seeds per setting).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    table = commands.add_parser(
        "table", help="write the job table (one line per setting x seed)",
        description="Grid search (default): every combination of the values given. "
                    "Random search (--random N): N settings drawn with --search-seed, lr "
                    "log-uniform between the smallest and largest --lr, the others chosen "
                    "from the values given. Every setting runs on every seed.")
    table.add_argument("--lr", type=float, nargs="+", default=[0.025, 0.05, 0.1])
    table.add_argument("--dim", type=int, nargs="+", default=[50, 100])
    table.add_argument("--negatives", type=int, nargs="+", default=[5])
    table.add_argument("--window", type=int, nargs="+", default=[2, 5])
    table.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3],
                       help="training seeds, the same for every setting (default 1 2 3)")
    table.add_argument("--draw-seeds", type=int, default=None, metavar="K",
                       help="instead of --seeds, draw K seeds at random from --search-seed "
                            "(they are saved in the table, so the sweep can be repeated)")
    table.add_argument("--random", type=int, default=None, metavar="N",
                       help="random search with N settings instead of the full grid")
    table.add_argument("--search-seed", type=int, default=0,
                       help="seed of the random search's own draws (default 0)")
    table.add_argument("--out", type=Path, default=DEFAULT_TABLE,
                       help=f"where to write the table (default {DEFAULT_TABLE})")
    summary = commands.add_parser(
        "summary", help="mean +- std over seeds per setting, as a markdown table",
        description="Reads metrics.json and config.json of every finished run under the "
                    "given folders; runs with the same configuration apart from the seed "
                    "form one setting.")
    summary.add_argument("roots", nargs="*", type=Path, default=[DEFAULT_ROOT],
                         help=f"folders holding the runs (default {DEFAULT_ROOT})")
    summary.add_argument("--metric", action="append", default=[],
                         help="a metrics.json entry to report (nested names joined with "
                              "dots); repeatable. Default: final_loss, neighbour_purity and "
                              "every similarity Spearman")
    summary.add_argument("--out", type=Path, default=None,
                         help="also write the table to this markdown file")
    return parser


# ---- the table ----------------------------------------------------------------------

def _check_positive(name: str, values) -> None:
    bad = [v for v in values if not (v > 0 and math.isfinite(v))]
    if bad:
        raise UsageError(f"--{name} {bad[0]}: every {name} must be a positive number.")


def setting_name(lr: float, dim: int, negatives: int, window: int) -> str:
    return f"lr{lr:g}_d{dim}_k{negatives}_w{window}"


def draw_seeds(count: int, search_seed: int) -> list[int]:
    """``count`` distinct training seeds drawn from ``search_seed`` (its own stream, so
    the random search's settings do not change with the number of seeds)."""
    if count < 1:
        raise UsageError(f"--draw-seeds {count}: give the number of seeds to draw (>= 1).")
    rng = np.random.default_rng([search_seed, 1])
    return [int(s) for s in rng.choice(2**31 - 1, size=count, replace=False)]


def make_rows(lr, dim, negatives, window, seeds, random=None, search_seed=0) -> list[tuple]:
    """The table's rows: (setting, lr, dim, negatives, window, seed), settings x seeds."""
    for name, values in (("lr", lr), ("dim", dim), ("negatives", negatives), ("window", window)):
        if not values:
            raise UsageError(f"--{name} needs at least one value.")
        _check_positive(name, values)
    if not seeds:
        raise UsageError("--seeds needs at least one seed.")
    if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
        raise UsageError(f"--seeds {' '.join(map(str, seeds))}: give distinct non-negative seeds.")
    if random is None:
        settings = list(itertools.product(lr, dim, negatives, window))
    else:
        if random < 1:
            raise UsageError(f"--random {random}: give the number of settings to draw (>= 1).")
        rng = np.random.default_rng(search_seed)
        low, high = math.log(min(lr)), math.log(max(lr))
        settings = []
        for _ in range(random):
            rate = float(f"{math.exp(rng.uniform(low, high)):.3g}")
            settings.append((rate, int(rng.choice(dim)), int(rng.choice(negatives)),
                             int(rng.choice(window))))
    unique = list(dict.fromkeys(settings))  # a random draw can repeat a setting
    return [(setting_name(*s), *s, seed) for s in unique for seed in seeds]


def _write_atomic(path: Path, text: str) -> None:
    write_text(path, text)


def write_table(rows, path: Path) -> None:
    # No header or comment lines: condor's `queue ... from FILE` would read them as jobs.
    _write_atomic(path, "".join(" ".join(f"{v:g}" if isinstance(v, float) else str(v)
                                         for v in row) + "\n" for row in rows))


# ---- the summary --------------------------------------------------------------------

def find_runs(roots) -> list[Path]:
    runs = []
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise UsageError(
                f"{root} is not a folder. Give the folder the sweep wrote into (default "
                f"{DEFAULT_ROOT}); run the sweep first (make sweep)."
            )
        runs.extend(sorted(p.parent for p in root.rglob("metrics.json")))
    return runs


def _numbers(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and math.isfinite(value):
            out[name] = float(value)
        elif isinstance(value, dict):
            out.update(_numbers(value, prefix=f"{name}."))
    return out


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} cannot be read as JSON ({exc}); re-run that job.") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} does not hold a JSON object; re-run that job.")
    return data


def _reported(name: str, wanted) -> bool:
    if wanted:
        return name in wanted
    return name in DEFAULT_METRICS or name.endswith(".spearman")


def summarise(roots, wanted=None) -> tuple[list[str], list[dict]]:
    """(setting columns, one row per setting: settings, n, metric -> (mean, std)).

    ``wanted``: metric names to report (flattened with dots, e.g. similarity.wordsim353.spearman);
    default: final_loss, neighbour_purity and every Spearman correlation."""
    runs = find_runs(roots)
    if not runs:
        raise UsageError(
            f"No finished runs (metrics.json) under {', '.join(map(str, roots))}. Wait for "
            "the jobs (condor_q), then check condor/logs/*.err for failures."
        )
    groups: dict = {}
    for run in runs:
        config_path = run / "config.json"
        config = _read_json(config_path) if config_path.is_file() else {"run": run.parent.name}
        # hw3.word2vec writes {"settings": {...}, "ops": ..., ...}; the settings identify
        # the run's hyper-parameters, plus which ops file trained it.
        settings = dict(config.get("settings", config))
        if isinstance(config.get("ops"), dict) and "sha256" in config["ops"]:
            settings["ops_sha256"] = config["ops"]["sha256"][:12]
        key = tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in settings.items()
                           if k not in NOT_SETTINGS))
        metrics = _numbers(_read_json(run / "metrics.json"))
        chosen = {k: v for k, v in metrics.items() if _reported(k, wanted)}
        groups.setdefault(key, []).append(chosen)
    # Show only the settings that differ between groups (all of them if just one group).
    keys = sorted({k for key in groups for k, _ in key})
    varying = [k for k in keys if len({dict(key).get(k) for key in groups}) > 1]
    columns = varying or [k for k in ("lr", "dim", "negatives", "window") if k in keys]
    rows = []
    for key, metrics in groups.items():
        values = dict(key)
        names = sorted(set.intersection(*(set(m) for m in metrics)))
        stats = {}
        for name in names:
            sample = np.array([m[name] for m in metrics])
            std = float(sample.std(ddof=1)) if len(sample) > 1 else float("nan")
            stats[name] = (float(sample.mean()), std)
        rows.append({"setting": {c: json.loads(values[c]) if c in values else None
                                 for c in columns},
                     "n": len(metrics), "stats": stats})
    rows.sort(key=lambda r: [str(r["setting"][c]) for c in columns])
    return columns, rows


def markdown(columns, rows) -> str:
    metrics = sorted({m for r in rows for m in r["stats"]})
    head = [*columns, "seeds", *metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [str(row["setting"][c]) for c in columns] + [str(row["n"])]
        for metric in metrics:
            if metric not in row["stats"]:
                cells.append("")
                continue
            mean, std = row["stats"][metric]
            cells.append(f"{mean:.4g}" if math.isnan(std) else f"{mean:.4g} ± {std:.2g}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "table":
            if args.draw_seeds is not None:
                args.seeds = draw_seeds(args.draw_seeds, args.search_seed)
            rows = make_rows(args.lr, args.dim, args.negatives, args.window, args.seeds,
                             args.random, args.search_seed)
            write_table(rows, args.out)
            settings = len({r[0] for r in rows})
            print(f"Wrote {args.out}: {settings} settings x {len(args.seeds)} seeds = "
                  f"{len(rows)} jobs. Next: condor_submit condor/sweep.sub (from the "
                  "repository root), then make sweep-summary.")
        else:
            columns, rows = summarise(args.roots, args.metric)
            text = markdown(columns, rows)
            print(text, end="")
            if args.out:
                _write_atomic(args.out, text)
        return 0
    except UsageError as exc:
        print(f"sweep: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
