"""Make ``phases_regimes.csv``: the SGD runs behind lesson 02's regime explorer.

Each run trains a linear model on the first ``n_params`` features of a regression problem
(:func:`phaselab.phases.regression_data`: Gaussian inputs, a target whose weights decay as a
power law, label noise of variance 1) by minibatch SGD from zero for ``STEPS`` steps, on the
first ``n_train`` examples of one shared training set. It records, at log-spaced checkpoints,
the training loss and the exact held-out (population) loss ``0.5 E[(x.w - y)^2]``, both
averaged over the steps since the previous checkpoint, and the held-out loss at the checkpoint.

The grid is every combination of ``N_PARAMS``, ``N_TRAIN``, ``BATCH_SIZES`` and
``LEARNING_RATES`` (the three learning rates share their minibatches). The training set is drawn
with ``DATA_SEED``, chosen so that its smallest subset (128 examples) has a typical noise level
(its least-squares residual within 5% of the expected value); run ``k`` of the grid, in the
order of ``itertools.product(N_PARAMS, N_TRAIN, BATCH_SIZES)``, draws its minibatches with seed
``SGD_SEED + k``. Every run is deterministic, so the file is reproduced exactly on the same
machine and numpy build (and to the printed precision elsewhere).

Usage::

    python data/make_phases_regimes.py            # rewrite the CSV (about 20 s, 1 thread)
    python data/make_phases_regimes.py --check    # re-run three runs and compare (about 1 s)
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from phaselab.data import data_script
from phaselab.phases import REGIME_COLUMNS, log_spaced_steps, regression_data, run_regime

OUTPUT = Path(__file__).resolve().parent / "phases_regimes.csv"

N_PARAMS = (4, 8, 16, 32, 64)
N_TRAIN = (128, 512, 2048, 8192)
BATCH_SIZES = (2, 8, 32, 128)
LEARNING_RATES = (0.003, 0.01, 0.03)
STEPS = 3000
CHECKPOINTS = tuple(int(s) for s in log_spaced_steps(STEPS, 20))
DATA_SEED = 5
SGD_SEED = 100
#: Grid indices (into the product order) re-run by ``--check``.
CHECK_RUNS = (0, 45, 79)

HEADER = (
    "# Lesson 02 regime explorer: SGD on linear regression (see make_phases_regimes.py).\n"
    "# Losses are 0.5 * squared error; the label noise alone gives 0.5. Averages over the\n"
    "# steps since the previous checkpoint; heldout_now is the held-out loss at the step.\n"
)


def grid() -> list[tuple[int, int, int]]:
    """The (n_params, n_train, batch_size) runs, in the order that fixes their seeds."""
    return list(itertools.product(N_PARAMS, N_TRAIN, BATCH_SIZES))


def run_rows(index: int, inputs: np.ndarray, labels: np.ndarray) -> Iterator[list[str]]:
    """The CSV rows of grid run ``index`` (all learning rates, all checkpoints)."""
    n_params, n_train, batch_size = grid()[index]
    run = run_regime(inputs, labels, n_params=n_params, n_train=n_train, batch_size=batch_size,
                     learning_rates=LEARNING_RATES, checkpoints=CHECKPOINTS,
                     seed=SGD_SEED + index)
    for k, rate in enumerate(LEARNING_RATES):
        for j, step in enumerate(run.steps):
            yield [str(n_params), str(n_train), str(batch_size), f"{rate:g}", str(int(step)),
                   f"{run.train[k, j]:.6g}", f"{run.heldout[k, j]:.6g}",
                   f"{run.heldout_now[k, j]:.6g}"]


def shared_data() -> tuple[np.ndarray, np.ndarray]:
    """The one training set every run takes its first rows and columns from."""
    return regression_data(max(N_TRAIN), max(N_PARAMS), seed=DATA_SEED)


def make_table(indices: list[int] | None = None) -> str:
    """The CSV text of the chosen grid runs (all of them by default)."""
    inputs, labels = shared_data()
    buffer = io.StringIO()
    buffer.write(HEADER)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGIME_COLUMNS)
    for index in range(len(grid())) if indices is None else indices:
        writer.writerows(run_rows(index, inputs, labels))
    return buffer.getvalue()


def check(path: Path = OUTPUT) -> list[str]:
    """Re-run :data:`CHECK_RUNS` and compare them with ``path``; return the differences."""
    fresh = list(csv.reader(line for line in make_table(list(CHECK_RUNS)).splitlines()
                            if not line.startswith("#")))
    stored_lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                    if not line.startswith("#")]
    stored = {tuple(row[:5]): row for row in csv.reader(stored_lines[1:])}
    problems = []
    if stored_lines[0].split(",") != list(REGIME_COLUMNS):
        problems.append(f"header is {stored_lines[0]!r}")
    for row in fresh[1:]:
        old = stored.get(tuple(row[:5]))
        if old is None:
            problems.append(f"run {row[:5]} is missing from {path.name}")
        elif not np.allclose(np.asarray(old[5:], float), np.asarray(row[5:], float),
                             rtol=1e-5, atol=0.0):
            problems.append(f"run {row[:5]}: stored {old[5:]}, recomputed {row[5:]}")
    expected_rows = len(grid()) * len(LEARNING_RATES) * len(CHECKPOINTS)
    if len(stored) != expected_rows:
        problems.append(f"{path.name} has {len(stored)} rows, expected {expected_rows}")
    return problems


def main(argv: list[str] | None = None) -> int:
    return data_script(argv, description=__doc__.splitlines()[0], output=OUTPUT,
                       make=make_table, check=check)


if __name__ == "__main__":
    sys.exit(main())
