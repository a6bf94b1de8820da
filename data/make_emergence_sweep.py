"""Make ``emergence_sweep.csv``: small MLPs learning 4-digit addition, scored by many metrics.

Every run trains the two-hidden-layer MLP of :mod:`phaselab.emergence` with Adam on fresh
random problems and scores it, at log-spaced steps, on the same 2,000 held-out problems by
exact match, per-digit accuracy, log-likelihood, Brier score and token edit distance. The
sweep covers the widths in ``WIDTHS`` and the seeds in ``SEEDS``; each (width, seed) run is
deterministic, so the file is reproduced exactly on the same machine and numpy build.

Usage::

    python data/make_emergence_sweep.py            # rewrite the CSV (about 2-3 min, 1 thread)
    python data/make_emergence_sweep.py --check    # re-run a small part and compare (seconds)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from phaselab.data import csv_text, data_script, read_rows
from phaselab.emergence import AdditionRun, train_addition

OUTPUT = Path(__file__).resolve().parent / "emergence_sweep.csv"

DIGITS = 4
WIDTHS = (8, 12, 16, 24, 32, 48, 64, 96, 128)
SEEDS = (0, 1, 2, 3, 4)
STEPS = 3000
BATCH_SIZE = 256
LEARNING_RATE = 3e-3
N_TEST = 2000
#: Evaluation steps: 16 log-spaced points from 20 to STEPS.
EVAL_STEPS = tuple(int(s) for s in np.unique(np.geomspace(20, STEPS, 16).round()))

#: The part re-run by ``--check``: (width, seed) runs, stopped after this many steps.
CHECK_RUNS = ((16, 0), (64, 1))
CHECK_STEPS = 200

FIELDS = ("digits", "width", "seed", "step", "examples", "parameters", "flops", "loss",
          "per_digit_accuracy", "exact_match", "log_likelihood", "brier", "edit_distance",
          *(f"accuracy_position_{i}" for i in range(DIGITS + 1)))
#: Columns that count answers: a difference of one test item is tolerated by ``--check``.
COUNTED = ("per_digit_accuracy", "exact_match", "edit_distance",
           *(f"accuracy_position_{i}" for i in range(DIGITS + 1)))

HEADER = f"""\
# Emergence sweep of the course "Phase Transitions in Deep Learning" (lesson 03).
# Made by data/make_emergence_sweep.py. Two-hidden-layer ReLU MLPs (width = hidden units
# per layer) trained with Adam (lr {LEARNING_RATE}, batch {BATCH_SIZE}, fresh random problems
# every step) on {DIGITS}-digit addition, scored on {N_TEST} fixed held-out problems whose
# answers have {DIGITS + 1} digits. Seeds {SEEDS[0]} to {SEEDS[-1]}.
# flops = 6 * parameters * examples (training compute).
# loss: cross-entropy in nats per answer digit; log_likelihood: nats per answer;
# brier: per digit (sum over the 10 classes); edit_distance: Levenshtein, digits per answer;
# accuracy_position_i: accuracy on answer digit i (0 = most significant).
"""


def _format(value: float | int) -> str:
    """Fixed text for a number, so that a rerun writes the same bytes."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.7g}"


def run_rows(width: int, seed: int, steps: int = STEPS) -> list[dict[str, str]]:
    """Train one (width, seed) run up to ``steps`` and return its CSV rows as text."""
    run = AdditionRun(digits=DIGITS, width=width, steps=STEPS, batch_size=BATCH_SIZE,
                      learning_rate=LEARNING_RATE, seed=seed)
    rows = []
    for result in train_addition(run, [s for s in EVAL_STEPS if s <= steps], n_test=N_TEST):
        positions = result.pop("position_accuracy")
        values = {"digits": DIGITS, "width": width, "seed": seed, **result}
        values.update({f"accuracy_position_{i}": float(a) for i, a in enumerate(positions)})
        rows.append({field: _format(values[field]) for field in FIELDS})
    return rows


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text: the comment header, the column names and the rows."""
    return csv_text(HEADER, FIELDS, rows)


def compare(fresh: list[dict[str, str]], stored: list[dict[str, str]]) -> list[str]:
    """Differences between regenerated rows and the stored ones, beyond the tolerances.

    Settings columns must match exactly; continuous metrics to a relative 1e-5; columns that
    count answers may differ by one held-out item (float summation order can differ between
    machines and flip a near-tie).
    """
    index = {(r["width"], r["seed"], r["step"]): r for r in stored}
    problems = []
    for row in fresh:
        key = (row["width"], row["seed"], row["step"])
        if key not in index:
            problems.append(f"row width={key[0]} seed={key[1]} step={key[2]} missing")
            continue
        for field in FIELDS:
            new, old = float(row[field]), float(index[key][field])
            if field in COUNTED:
                allowed = (DIGITS + 1.5) / N_TEST
            elif field in ("digits", "width", "seed", "step", "examples", "parameters"):
                allowed = 0.0
            else:
                allowed = 1e-9 + 1e-5 * abs(old)
            if abs(new - old) > allowed:
                problems.append(f"width={key[0]} seed={key[1]} step={key[2]} {field}: "
                                f"stored {old:.7g}, regenerated {new:.7g}")
    return problems


def check(path: Path = OUTPUT) -> list[str]:
    """Re-run the first ``CHECK_STEPS`` steps of ``CHECK_RUNS`` and compare with ``path``."""
    stored = read_rows(path)
    expected_rows = len(WIDTHS) * len(SEEDS) * len(EVAL_STEPS)
    problems = [] if len(stored) == expected_rows else [
        f"{path.name} has {len(stored)} rows, expected {expected_rows}"]
    with threadpool_limits(1):
        for width, seed in CHECK_RUNS:
            problems += compare(run_rows(width, seed, CHECK_STEPS), stored)
    return problems


def make() -> str:
    """Run the whole sweep and return the CSV text."""
    rows = []
    for width in WIDTHS:
        for seed in SEEDS:
            rows += run_rows(width, seed)
            print(f"width {width:4d} seed {seed}: done", file=sys.stderr)
    return render(rows)


def main(argv: list[str] | None = None) -> int:
    return data_script(argv, description=__doc__.split("\n\n")[0], output=OUTPUT, make=make,
                       check=check)


if __name__ == "__main__":
    sys.exit(main())
