"""Make ``grokking_sweep.csv``: modular-addition runs over training fraction x weight decay.

Every run trains the network of :mod:`phaselab.grokking` (the fast preset: p = 59, embedding
128, hidden 256, full-batch AdamW with learning rate 1e-2 and betas (0.9, 0.98)) for ``STEPS``
steps, changing only the fraction of the addition table used for training and the weight
decay. Metrics are recorded every 10 steps and kept at ``KEPT_STEPS`` (dense early, sparser
later) to keep the file small. Runs are deterministic on one BLAS thread, so the file is
reproduced exactly on the same machine and numpy build.

Usage::

    python data/make_grokking_sweep.py            # rewrite the CSV (a few minutes, 1 thread)
    python data/make_grokking_sweep.py --check    # re-run a small part and compare (seconds)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from phaselab.data import csv_text, data_script, read_rows
from phaselab.grokking import FAST, METRICS, SWEEP_COLUMNS, GrokConfig, History, train

OUTPUT = Path(__file__).resolve().parent / "grokking_sweep.csv"

TRAIN_FRACTIONS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
WEIGHT_DECAYS = (0.0, 0.3, 1.0, 3.0, 10.0)
SEED = 0
STEPS = 1500
EVAL_EVERY = 10
#: Recorded steps, roughly evenly spaced on a log axis (training saturates within ~30 steps).
KEPT_STEPS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 100, 120, 150, 200, 250, 300, 350, 400, 450,
              500, 600, 700, 800, 900, 1000, 1200, 1500)

#: The part re-run by ``--check``: (train fraction, weight decay) runs, stopped early.
CHECK_RUNS = ((0.2, 1.0), (0.5, 0.0))
CHECK_STEPS = 200

HEADER = f"""\
# Grokking sweep of the course "Phase Transitions in Deep Learning" (lesson 04).
# Made by data/make_grokking_sweep.py: (a + b) mod p with p = {FAST.p}; one-hidden-layer ReLU
# network on shared token embeddings (embedding {FAST.d_embed}, hidden {FAST.d_hidden}), float32;
# full-batch AdamW, learning rate {FAST.lr:g}, betas {FAST.betas}, {STEPS} steps. One run per
# (train_fraction, weight_decay) with seed {SEED} (data split and initialisation).
# Accuracies are fractions; losses are mean cross-entropy in nats; weight_norm is the
# Euclidean norm of all parameters together.
"""


def run_config(train_fraction: float, weight_decay: float, steps: int = STEPS) -> GrokConfig:
    """The configuration of one run of the sweep."""
    return FAST.replace(train_fraction=train_fraction, weight_decay=weight_decay, steps=steps,
                        eval_every=EVAL_EVERY, seed=SEED)


def _format(value: float) -> str:
    """Fixed text for a number, so that a rerun writes the same bytes."""
    return f"{float(value):.6g}"


def history_rows(history: History) -> list[dict[str, str]]:
    """The CSV rows of one run: its settings and metrics at the kept steps."""
    config = history.config
    rows = []
    for index, step in enumerate(history.steps):
        if int(step) not in KEPT_STEPS:
            continue
        row = {
            "train_fraction": _format(config.train_fraction),
            "weight_decay": _format(config.weight_decay),
            "seed": str(config.seed),
            "p": str(config.p),
            "lr": _format(config.lr),
            "step": str(int(step)),
        }
        row.update({name: _format(history[name][index]) for name in METRICS})
        rows.append(row)
    return rows


def run_rows(
    train_fraction: float, weight_decay: float, steps: int = STEPS
) -> list[dict[str, str]]:
    """Train one run up to ``steps`` (one BLAS thread) and return its CSV rows as text."""
    return history_rows(train(run_config(train_fraction, weight_decay, steps), threads=1))


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text: the comment header, the column names and the rows."""
    return csv_text(HEADER, SWEEP_COLUMNS, rows)


def compare(fresh: list[dict[str, str]], stored: list[dict[str, str]]) -> list[str]:
    """Differences between regenerated rows and the stored ones, beyond the tolerances.

    Settings must match exactly; accuracies may differ by 0.2 % (a few examples can flip when
    another machine sums in another order); losses and norms by a relative 1e-3.
    """
    key_fields = ("train_fraction", "weight_decay", "seed", "step")
    index = {tuple(row[f] for f in key_fields): row for row in stored}
    problems = []
    for row in fresh:
        key = tuple(row[f] for f in key_fields)
        old = index.get(key)
        if old is None:
            problems.append(f"row {dict(zip(key_fields, key, strict=True))} missing")
            continue
        for field in ("p", "lr"):
            if row[field] != old[field]:
                problems.append(f"{key}: {field} stored {old[field]}, regenerated {row[field]}")
        for field in METRICS:
            new_value, old_value = float(row[field]), float(old[field])
            allowed = 2e-3 if field.endswith("acc") else 1e-9 + 1e-3 * abs(old_value)
            if abs(new_value - old_value) > allowed:
                problems.append(f"{key} {field}: stored {old_value:.6g}, "
                                f"regenerated {new_value:.6g}")
    return problems


def check(path: Path = OUTPUT) -> list[str]:
    """Re-run the first ``CHECK_STEPS`` steps of ``CHECK_RUNS`` and compare with ``path``."""
    stored = read_rows(path)
    expected = len(TRAIN_FRACTIONS) * len(WEIGHT_DECAYS) * len(KEPT_STEPS)
    problems = [] if len(stored) == expected else [
        f"{path.name} has {len(stored)} rows, expected {expected}"]
    for fraction, decay in CHECK_RUNS:
        problems += compare(run_rows(fraction, decay, CHECK_STEPS), stored)
    return problems


def make() -> str:
    """Run the whole sweep and return the CSV text."""
    rows = []
    for decay in WEIGHT_DECAYS:
        for fraction in TRAIN_FRACTIONS:
            start = time.perf_counter()
            rows += run_rows(fraction, decay)
            print(f"fraction {fraction:.2f} weight decay {decay:g}: "
                  f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return render(rows)


def main(argv: list[str] | None = None) -> int:
    return data_script(argv, description=__doc__.split("\n\n")[0], output=OUTPUT, make=make,
                       check=check)


if __name__ == "__main__":
    sys.exit(main())
