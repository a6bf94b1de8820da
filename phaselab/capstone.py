"""Planning a training run around a capability threshold (lesson 06, the capstone).

The capstone joins the earlier lessons; this module holds only the planning arithmetic that no
earlier lesson needed, built on their code:

* **budget** (on :mod:`phaselab.scaling`): the compute-optimal plan under a cap on model size,
  the budget at which the compute-optimal frontier reaches a target loss, the smallest model
  that can ever reach it, and the compute a model of a given size needs to get there;
* **timing** (on :mod:`phaselab.emergence`): where in a run the threshold model
  ``sigmoid((L_c - L) / tau)`` switches on, and an evaluation schedule that is dense there;
* **early warning**: how far a metric has progressed when a thresholded metric first moves;
* **scale or train longer** (on :mod:`phaselab.double_descent`): the choice near an
  interpolation threshold, from the risks of the converged (minimum-norm) fits.

Losses are in nats. Everything is pure numpy; nothing runs at import time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phaselab.emergence import logit
from phaselab.scaling import (
    TRAINING_FLOP_PER_PARAM_TOKEN,
    ChinchillaParams,
    allocation_constant,
    chinchilla_loss,
    compute_optimal,
)

FloatArray = NDArray[np.float64]

# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------


def plan_run(budget: float, params: ChinchillaParams, max_params: float | None = None
             ) -> tuple[float, float, float]:
    """The best model size, data and predicted loss for a budget, optionally with a size cap.

    At fixed compute the loss is a convex function of ``ln N`` (an IsoFLOP profile), so with a
    cap the best size is ``min(N_opt, max_params)`` and the budget buys ``D = C / (6 N)`` tokens.

    Returns
    -------
    (n_params, n_tokens, loss)
    """
    n_opt, _ = compute_optimal(budget, params)
    n_params = float(n_opt) if max_params is None else float(min(n_opt, max_params))
    n_tokens = float(budget) / (TRAINING_FLOP_PER_PARAM_TOKEN * n_params)
    return n_params, n_tokens, float(chinchilla_loss(n_params, n_tokens, params))


def frontier_exponent(params: ChinchillaParams) -> float:
    """``gamma = alpha beta / (alpha + beta)``: the compute-optimal loss falls as ``C**-gamma``."""
    return params.alpha * params.beta / (params.alpha + params.beta)


def frontier_coefficient(params: ChinchillaParams) -> float:
    """``K = A G**-alpha + B G**beta``, so that the frontier is ``E + K (C / 6)**-gamma``.

    At the optimum ``N = G s**a`` and ``D = s**b / G`` with ``s = C / 6``, and both reducible
    terms fall as ``s**-gamma`` (:func:`phaselab.scaling.compute_optimal`).
    """
    g = allocation_constant(params)
    return float(params.A * g ** (-params.alpha) + params.B * g ** params.beta)


def compute_to_reach(critical_loss: ArrayLike, params: ChinchillaParams) -> FloatArray:
    """Smallest budget whose compute-optimal model reaches ``critical_loss`` (FLOPs).

    Inverts ``E + K (C/6)**-gamma = L_c``: ``C = 6 (K / (L_c - E))**(1/gamma)``. A target at or
    below the irreducible loss ``E`` is never reached: ``inf``.
    """
    gap = np.asarray(critical_loss, dtype=np.float64) - params.E
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = TRAINING_FLOP_PER_PARAM_TOKEN * (frontier_coefficient(params) / gap) ** (
            1.0 / frontier_exponent(params))
    return np.where(gap > 0, needed, np.inf)


def is_reachable(budget: ArrayLike, critical_loss: ArrayLike, params: ChinchillaParams
                 ) -> NDArray[np.bool_]:
    """Whether the compute-optimal model of ``budget`` gets to ``critical_loss`` or below."""
    return np.asarray(budget, dtype=np.float64) >= compute_to_reach(critical_loss, params)


def smallest_model(critical_loss: ArrayLike, params: ChinchillaParams) -> FloatArray:
    """Smallest model that reaches ``critical_loss`` with unlimited data.

    ``N_min = (A / (L_c - E))**(1/alpha)``: a smaller model stays above the target however
    long it trains. ``inf`` if ``L_c <= E``.
    """
    gap = np.asarray(critical_loss, dtype=np.float64) - params.E
    with np.errstate(divide="ignore", invalid="ignore"):
        size = (params.A / gap) ** (1.0 / params.alpha)
    return np.where(gap > 0, size, np.inf)


def tokens_to_reach(n_params: ArrayLike, critical_loss: ArrayLike, params: ChinchillaParams
                    ) -> FloatArray:
    """Tokens a model of ``n_params`` parameters needs to reach ``critical_loss``.

    Solves ``E + A/N**alpha + B/D**beta = L_c`` for ``D``; ``inf`` when the model is too small
    (``E + A/N**alpha >= L_c``).
    """
    n_params = np.asarray(n_params, dtype=np.float64)
    gap = np.asarray(critical_loss, dtype=np.float64) - params.E - params.A * n_params ** (
        -params.alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        tokens = (params.B / gap) ** (1.0 / params.beta)
    return np.where(gap > 0, tokens, np.inf)


def compute_at_size(n_params: ArrayLike, critical_loss: ArrayLike, params: ChinchillaParams
                    ) -> FloatArray:
    """Compute ``6 N D`` to reach ``critical_loss`` with a model of fixed size ``n_params``."""
    return TRAINING_FLOP_PER_PARAM_TOKEN * np.asarray(n_params, np.float64) * tokens_to_reach(
        n_params, critical_loss, params)


# ---------------------------------------------------------------------------------------------
# Timing: where in the run the capability switches on
# ---------------------------------------------------------------------------------------------


def capability_window(n_params: float, critical_loss: float, tau: float,
                      params: ChinchillaParams, low: float = 0.1, high: float = 0.9
                      ) -> tuple[float, float]:
    """Tokens at which the threshold model of a run passes ``low`` and then ``high``.

    Along a run of ``n_params`` parameters the loss after ``D`` tokens is taken to be
    ``L(N, D)``; the capability's probability is ``sigmoid((L_c - L) / tau)``. It equals ``p``
    where ``L = L_c - tau logit(p)``, so the window is ``[tokens_to_reach(L_c - tau logit(low)),
    tokens_to_reach(L_c - tau logit(high))]``; an end the model never reaches is ``inf``.
    """
    if tau <= 0:
        raise ValueError("tau must be positive")
    if not 0.0 < low < high < 1.0:
        raise ValueError("need 0 < low < high < 1")
    start, end = (float(tokens_to_reach(n_params, critical_loss - tau * float(logit(p)), params))
                  for p in (low, high))
    return start, end


def checkpoint_plan(total_tokens: float, window: Sequence[float], n_log: int = 12,
                    n_dense: int = 10) -> FloatArray:
    """Token counts at which to evaluate: log-spaced over the run, dense inside the window.

    ``n_log`` points log-spaced from ``total_tokens / 1000`` to ``total_tokens``, together with
    ``n_dense`` points evenly spaced over the part of ``window`` that lies inside the run, from
    its start to its end or to the end of the run (none if the window starts after the run
    ends). Sorted, duplicates removed.
    """
    start, end = (float(v) for v in window)
    points = [np.geomspace(total_tokens / 1000.0, total_tokens, n_log)]
    if start < total_tokens:
        points.append(np.linspace(start, min(end, total_tokens), n_dense))
    return np.unique(np.concatenate(points))


# ---------------------------------------------------------------------------------------------
# Early warning: metrics that move before the jump
# ---------------------------------------------------------------------------------------------


def normalised_progress(values: ArrayLike) -> FloatArray:
    """A metric's progress along a run: ``(v - v_first) / (v_last - v_first)``.

    0 at the first checkpoint and 1 at the last, whether the metric rises (accuracy) or falls
    (loss, edit distance).
    """
    values = np.asarray(values, dtype=np.float64)
    total = values[-1] - values[0]
    if total == 0:
        raise ValueError("the metric does not change between the first and last checkpoint")
    return (values - values[0]) / total


def progress_at_onset(metric: ArrayLike, jump: ArrayLike, onset: float = 0.1) -> float:
    """Progress of ``metric`` at the first checkpoint where ``jump`` has made ``onset`` of its own.

    Close to 1 means the metric had done most of its moving before the jumpy one (say exact
    match) left the floor: an early warning.
    """
    reached = normalised_progress(jump) >= onset
    if not reached.any():
        raise ValueError("the jumping metric never reaches the onset")
    return float(normalised_progress(metric)[np.argmax(reached)])


# ---------------------------------------------------------------------------------------------
# Near an interpolation threshold: scale the model or train longer?
# ---------------------------------------------------------------------------------------------

SCALE_UP = "scale the model"
TRAIN_LONGER = "train longer"


def scale_or_train_longer(feature_counts: Sequence[int], converged_risks: ArrayLike,
                          n_features: int, factor: int = 2) -> tuple[str, float, float]:
    """Compare training the current model to convergence with scaling it by ``factor``.

    Gradient descent from zero converges to the minimum-norm fit, so the risk of "train
    longer" is the median converged risk at ``n_features`` and that of "scale" the median at
    ``factor * n_features``.

    Parameters
    ----------
    feature_counts
        Model sizes of the columns of ``converged_risks``.
    converged_risks
        Shape ``(repeats, len(feature_counts))``: minimum-norm test risks.
    n_features, factor
        The current size and the scale-up factor (both sizes must be in ``feature_counts``).

    Returns
    -------
    (decision, risk_train_longer, risk_scaled)
        ``decision`` is :data:`SCALE_UP` if scaling gives the strictly lower median risk,
        else :data:`TRAIN_LONGER`.
    """
    counts = [int(c) for c in feature_counts]
    risks = np.median(np.asarray(converged_risks, dtype=np.float64), axis=0)
    longer, scaled = float(risks[counts.index(n_features)]), float(
        risks[counts.index(factor * n_features)])
    return (SCALE_UP if scaled < longer else TRAIN_LONGER), longer, scaled
