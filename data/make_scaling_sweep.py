"""Make ``scaling_sweep.csv``: the course's own scaling-law experiment (lesson 01).

The task
--------
An input has many independent Gaussian features ``x_j`` whose importance falls off as a power
law: feature ``j`` has variance ``j**(-2 * VARIANCE_EXPONENT)`` and the teacher weights it by
``±j**(-TEACHER_EXPONENT)`` (random signs). The target is ``y = sum_j w_j x_j + noise`` with
Gaussian noise of standard deviation ``NOISE_STD``. A few features matter a lot and a long tail
matters a little, much as a few words are frequent and most are rare.

The models
----------
A model with ``N`` parameters is a linear read-out of the ``N`` most important features. It is
trained on ``D`` examples by ridge regression (least squares with weight decay), which is what
gradient descent with weight decay converges to. The weight decay is tuned separately for every
run: each candidate on a log grid is scored on a fresh validation set of ``VALIDATION_SIZE``
examples and the best one is kept. This per-run tuning keeps large models from overfitting small
data sets, which would otherwise push a fitted irreducible loss above the true one.

The loss
--------
Predictions are read as Gaussian densities with the known noise variance, so the loss is the
negative log-likelihood in nats. For a linear model on Gaussian inputs its expectation over new
data has a closed form, so every run is evaluated exactly, as if on an infinite test set. No
model can beat the noise: the irreducible loss is the entropy of the noise,
``0.5 * ln(2 pi e NOISE_STD**2)`` nats, written into the file's header.

Reproducibility
---------------
Every run draws its data from ``numpy.random.default_rng([BASE_SEED, N, D, replicate])``, so any
run can be redone on its own; the teacher's signs come from ``default_rng(BASE_SEED)``. BLAS is
limited to one thread. The whole sweep takes about half a minute of CPU time.

Usage::

    python data/make_scaling_sweep.py            # rewrite data/scaling_sweep.csv
    python data/make_scaling_sweep.py --check    # redo a few runs and compare with the file
"""

from __future__ import annotations

import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phaselab.data import data_script

BASE_SEED = 20240601
LATENT_FEATURES = 2**20
VARIANCE_EXPONENT = 0.75
TEACHER_EXPONENT = 0.25
SIGNAL_VARIANCE = 4.0
NOISE_STD = 1.0
VALIDATION_SIZE = 4096
WEIGHT_DECAY_GRID = tuple(float(v) for v in np.logspace(-9.0, 1.0, 41))
REPLICATES = 3
MODEL_SIZES = (8, 16, 32, 64, 128, 256, 512)
DATA_SIZES = tuple(2**k for k in range(7, 17))
HOLDOUT_SIZE = 1024
HOLDOUT_DATA_SIZES = (2**12, 2**14, 2**16)
FIT_TOLERANCE_NATS = 0.02
CHUNK = 8192

OUTPUT = Path(__file__).resolve().parent / "scaling_sweep.csv"
COLUMNS = ("n_params", "n_examples", "replicate", "split", "weight_decay", "loss")


def irreducible_loss(noise_std: float = NOISE_STD) -> float:
    """Entropy of the Gaussian label noise in nats: the lowest loss any model can reach."""
    return 0.5 * math.log(2.0 * math.pi * math.e * noise_std**2)


@dataclass(frozen=True)
class Teacher:
    """Feature variances, teacher weights and the signal each model size cannot reach."""

    variances: np.ndarray
    weights: np.ndarray
    tail_signal: np.ndarray  # tail_signal[n] = signal variance carried by features n+1, n+2, ...


def make_teacher(seed: int = BASE_SEED, n_features: int = LATENT_FEATURES) -> Teacher:
    """Build the power-law teacher, scaled so that the signal variance is ``SIGNAL_VARIANCE``."""
    rng = np.random.default_rng(seed)
    index = np.arange(1, n_features + 1, dtype=np.float64)
    variances = index ** (-2.0 * VARIANCE_EXPONENT)
    weights = index ** (-TEACHER_EXPONENT) * rng.choice((-1.0, 1.0), size=n_features)
    signal = variances * weights**2
    weights = weights * math.sqrt(SIGNAL_VARIANCE / signal.sum())
    signal = variances * weights**2
    tail = np.concatenate([np.cumsum(signal[::-1])[::-1], [0.0]])
    return Teacher(variances=variances, weights=weights, tail_signal=tail)


def _draw(rng: np.random.Generator, teacher: Teacher, n_params: int, count: int):
    """Draw ``count`` examples as (the model's features, targets)."""
    scale = np.sqrt(teacher.variances[:n_params])
    features = rng.standard_normal((count, n_params)) * scale
    unseen = math.sqrt(teacher.tail_signal[n_params] + NOISE_STD**2)
    targets = features @ teacher.weights[:n_params] + unseen * rng.standard_normal(count)
    return features, targets


def expected_loss(teacher: Teacher, n_params: int, coefficients: np.ndarray) -> float:
    """Exact expected test loss (nats) of a linear read-out of the first ``n_params`` features."""
    error = coefficients - teacher.weights[:n_params]
    excess = float(np.sum(teacher.variances[:n_params] * error**2)) + teacher.tail_signal[n_params]
    variance = NOISE_STD**2
    return 0.5 * math.log(2.0 * math.pi * variance) + (variance + excess) / (2.0 * variance)


def train_run(teacher: Teacher, n_params: int, n_examples: int, replicate: int) -> dict:
    """Train one model by ridge regression with tuned weight decay; return its CSV row."""
    rng = np.random.default_rng([BASE_SEED, n_params, n_examples, replicate])
    gram = np.zeros((n_params, n_params))
    moment = np.zeros(n_params)
    for start in range(0, n_examples, CHUNK):
        features, targets = _draw(rng, teacher, n_params, min(CHUNK, n_examples - start))
        gram += features.T @ features
        moment += features.T @ targets
    val_features, val_targets = _draw(rng, teacher, n_params, VALIDATION_SIZE)
    eigenvalues, eigenvectors = np.linalg.eigh(gram / n_examples)
    projected = eigenvectors.T @ (moment / n_examples)
    decays = np.asarray(WEIGHT_DECAY_GRID)
    candidates = eigenvectors @ (projected[:, None] / (eigenvalues[:, None] + decays[None, :]))
    val_error = np.mean((val_features @ candidates - val_targets[:, None]) ** 2, axis=0)
    best = int(np.argmin(val_error))
    split = "holdout" if n_params == HOLDOUT_SIZE else "fit"
    return {
        "n_params": n_params,
        "n_examples": n_examples,
        "replicate": replicate,
        "split": split,
        "weight_decay": decays[best],
        "loss": expected_loss(teacher, n_params, candidates[:, best]),
    }


def run_plan() -> list[tuple[int, int, int]]:
    """Every (N, D, replicate) of the sweep, the fitted grid first, then the held-out runs."""
    plan = [(n, d, r) for n in MODEL_SIZES for d in DATA_SIZES for r in range(REPLICATES)]
    plan += [(HOLDOUT_SIZE, d, r) for d in HOLDOUT_DATA_SIZES for r in range(REPLICATES)]
    return plan


def header_lines() -> list[str]:
    """The commented header: what the file is, how it was made, and the known floor."""
    return [
        "# scaling_sweep.csv: the course's own scaling-law experiment (lesson 01).",
        "# Made by data/make_scaling_sweep.py (see its docstring); regenerate with",
        "#   python data/make_scaling_sweep.py   and verify with   --check.",
        "# Columns: n_params = N (trained parameters), n_examples = D (training examples),",
        "#   replicate = seed index, split = fit | holdout (the larger model kept out of fits),",
        "#   weight_decay = tuned ridge penalty, loss = exact expected test loss in nats.",
        f"# irreducible_loss_nats: {irreducible_loss()!r}",
        f"# fit_tolerance_nats: {FIT_TOLERANCE_NATS!r}",
        f"# noise_std: {NOISE_STD!r}",
        f"# signal_variance: {SIGNAL_VARIANCE!r}",
        f"# variance_exponent: {VARIANCE_EXPONENT!r}",
        f"# teacher_exponent: {TEACHER_EXPONENT!r}",
        f"# latent_features: {LATENT_FEATURES}",
        f"# validation_size: {VALIDATION_SIZE}",
        f"# base_seed: {BASE_SEED}",
        "# run_seed: numpy.random.default_rng([base_seed, n_params, n_examples, replicate])",
    ]


def format_row(row: dict) -> list[str]:
    return [
        str(row["n_params"]), str(row["n_examples"]), str(row["replicate"]), row["split"],
        f"{row['weight_decay']:.6g}", f"{row['loss']:.12f}",
    ]


def render(rows: list[dict]) -> str:
    """The CSV text of a sweep."""
    buffer = io.StringIO()
    buffer.write("\n".join(header_lines()) + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(format_row(row))
    return buffer.getvalue()


def make_sweep(plan: list[tuple[int, int, int]] | None = None, *,
               verbose: bool = False) -> list[dict]:
    """Train every run of ``plan`` (default: the whole sweep) on one BLAS thread."""
    from threadpoolctl import threadpool_limits

    teacher = make_teacher()
    rows = []
    with threadpool_limits(limits=1):
        for n, d, r in plan if plan is not None else run_plan():
            rows.append(train_run(teacher, n, d, r))
            if verbose:
                print(f"N={n:5d} D={d:6d} rep={r}  loss={rows[-1]['loss']:.6f}", file=sys.stderr)
    return rows


#: Runs redone by ``--check``: small and fast, but covering both regimes and a held-out size.
CHECK_PLAN = ((8, 128, 0), (64, 2048, 1), (256, 512, 2), (512, 8192, 0), (1024, 4096, 1))


def check(path: str | Path = OUTPUT, *, rtol: float = 1e-9,
          plan: tuple[tuple[int, int, int], ...] = CHECK_PLAN) -> list[str]:
    """Redo the runs of ``plan`` (default :data:`CHECK_PLAN`) and compare them with the file.

    Returns a list of mismatches (empty when the file agrees).
    """
    with Path(path).open(encoding="utf-8") as handle:
        text = handle.read()
    problems = []
    expected_header = header_lines()
    found_header = [line for line in text.splitlines() if line.startswith("#")]
    if found_header != expected_header:
        problems.append("the header differs from what the script writes")
    table = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    stored = {(int(r["n_params"]), int(r["n_examples"]), int(r["replicate"])): r for r in table}
    if sorted(stored) != sorted(run_plan()):
        problems.append("the file does not hold exactly the runs of the sweep")
    for row in make_sweep(list(plan)):
        key = (row["n_params"], row["n_examples"], row["replicate"])
        if key not in stored:
            problems.append(f"run {key} is missing")
            continue
        old = float(stored[key]["loss"])
        if not math.isclose(old, row["loss"], rel_tol=rtol):
            problems.append(f"run {key}: file has loss {old!r}, regenerated {row['loss']!r}")
        if stored[key]["split"] != row["split"]:
            problems.append(f"run {key}: split {stored[key]['split']!r} != {row['split']!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    return data_script(argv, description=__doc__.split("\n")[0], output=OUTPUT,
                       make=lambda: render(make_sweep(verbose=True)), check=check)


if __name__ == "__main__":
    raise SystemExit(main())
