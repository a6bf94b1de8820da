"""Power laws and scaling laws.

Lesson 00 uses the power-law basics at the top of this module; lesson 01 the scaling laws of
language models below them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------------------------------------
# Power laws (lesson 00)
# ---------------------------------------------------------------------------------------------


def power_law(x: ArrayLike, scale: float, exponent: float) -> NDArray[np.float64]:
    """Evaluate ``scale * x ** (-exponent)``, a power law that falls for a positive exponent.

    Parameters
    ----------
    x
        Positive inputs (model size, data, compute...).
    scale
        The value at ``x = 1``.
    exponent
        The decay exponent; on log-log axes the line has slope ``-exponent``.

    Returns
    -------
    numpy.ndarray
        Values of the same shape as ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    return scale * x ** (-exponent)


def power_law_with_floor(
    x: ArrayLike, scale: float, exponent: float, floor: float
) -> NDArray[np.float64]:
    """Evaluate ``floor + scale * x ** (-exponent)``: the shape of every scaling law.

    The floor is the loss no amount of ``x`` removes (the irreducible loss); on log-log axes
    the curve bends away from a straight line as it approaches it.
    """
    return floor + power_law(x, scale, exponent)


def fit_power_law(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """Fit ``y = scale * x ** (-exponent)`` by least squares on ``log y`` against ``log x``.

    Parameters
    ----------
    x, y
        Positive data of equal length (at least two distinct ``x``).

    Returns
    -------
    (scale, exponent)
        The fitted constant and decay exponent.

    Raises
    ------
    ValueError
        If the inputs are not positive, not one-dimensional of equal length, or have fewer than
        two distinct ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("x and y must be one-dimensional and of equal length")
    if np.unique(x).size < 2:
        raise ValueError("need at least two distinct x values")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law is fitted in log space: x and y must be positive")
    slope, intercept = np.polyfit(np.log(x), np.log(y), deg=1)
    return float(np.exp(intercept)), float(-slope)


def local_slope(x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Slope of ``log y`` against ``log x`` between neighbouring points.

    Constant for a pure power law; for a power law with a floor it shrinks towards zero as the
    curve approaches the floor. Returns ``len(x) - 1`` slopes.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.diff(np.log(y)) / np.diff(np.log(x))


# ---------------------------------------------------------------------------------------------
# Scaling laws of language models (lesson 01)
# ---------------------------------------------------------------------------------------------
#
# Sources: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361;
# Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556;
# Besiroglu, Erdil, Barnett & You 2024, "Chinchilla Scaling: A replication attempt",
# arXiv:2404.10102. Losses are in nats per token throughout.

#: FLOPs in one petaflop/s-day, Kaplan et al.'s unit of compute.
PF_DAY_FLOP = 8.64e19

#: FLOPs per parameter per token: a multiply and an add in the forward pass, twice that backward.
FORWARD_FLOP_PER_PARAM_TOKEN = 2.0
BACKWARD_FLOP_PER_PARAM_TOKEN = 4.0
TRAINING_FLOP_PER_PARAM_TOKEN = FORWARD_FLOP_PER_PARAM_TOKEN + BACKWARD_FLOP_PER_PARAM_TOKEN

#: Huber threshold on log-loss residuals used by Hoffmann et al. (their Appendix D.2).
HUBER_DELTA = 1e-3


class KaplanLaw(NamedTuple):
    """A single-variable law ``L(x) = (scale / x) ** exponent`` of Kaplan et al. 2020."""

    scale: float
    exponent: float
    unit: str


#: Kaplan et al. 2020, Eq. 1.1: loss against non-embedding parameters (data not limiting).
KAPLAN_2020_PARAMS = KaplanLaw(scale=8.8e13, exponent=0.076, unit="non-embedding parameters")
#: Kaplan et al. 2020, Eq. 1.2: loss against dataset size in tokens (large model, early stopping).
KAPLAN_2020_TOKENS = KaplanLaw(scale=5.4e13, exponent=0.095, unit="tokens")
#: Kaplan et al. 2020, Eq. 1.3: loss against compute for compute-efficient training.
KAPLAN_2020_COMPUTE = KaplanLaw(scale=3.1e8, exponent=0.050, unit="PF-days")


def kaplan_loss(x: ArrayLike, law: KaplanLaw) -> NDArray[np.float64]:
    """Evaluate one of Kaplan et al.'s single-variable laws, ``(law.scale / x) ** law.exponent``.

    ``x`` is in the law's unit (``law.unit``): parameters, tokens or PF-days.
    """
    x = np.asarray(x, dtype=np.float64)
    return (law.scale / x) ** law.exponent


class ChinchillaParams(NamedTuple):
    """Parameters of the parametric law ``L(N, D) = E + A / N**alpha + B / D**beta``.

    ``E`` is the irreducible loss, the part no model size or data set removes; ``A / N**alpha``
    is what a finite model costs and ``B / D**beta`` what finite data costs. Being a tuple, a
    parameter set unpacks as ``E, A, B, alpha, beta = params``.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float


#: Hoffmann et al. 2022, Eq. 10: the printed (rounded) Approach-3 fit.
HOFFMANN_2022 = ChinchillaParams(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
#: Hoffmann et al.'s fit before rounding, (log A, log B, log E, alpha, beta) = (6.0073404,
#: 6.0179186, 0.5267228, 0.33917084, 0.2849083), as used in Besiroglu et al.'s analysis code.
HOFFMANN_2022_UNROUNDED = ChinchillaParams(
    E=float(np.exp(0.5267228)), A=float(np.exp(6.0073404)), B=float(np.exp(6.0179186)),
    alpha=0.33917084, beta=0.2849083,
)
#: Besiroglu et al. 2024: the refit of the same functional form to data extracted from
#: Hoffmann et al.'s Figure 4.
BESIROGLU_2024 = ChinchillaParams(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)

#: The published parameter sets by display name.
PARAMETER_SETS: dict[str, ChinchillaParams] = {
    "Hoffmann et al. 2022": HOFFMANN_2022,
    "Hoffmann et al. 2022 (unrounded)": HOFFMANN_2022_UNROUNDED,
    "Besiroglu et al. 2024": BESIROGLU_2024,
}


def training_flops(n_params: ArrayLike, n_tokens: ArrayLike) -> NDArray[np.float64]:
    """Training compute ``C ≈ 6 N D`` in FLOPs (2 N per token forward, 4 N backward).

    Broadcasts over arrays of ``n_params`` and ``n_tokens``.
    """
    n_params = np.asarray(n_params, dtype=np.float64)
    n_tokens = np.asarray(n_tokens, dtype=np.float64)
    return TRAINING_FLOP_PER_PARAM_TOKEN * n_params * n_tokens


def chinchilla_loss(
    n_params: ArrayLike, n_tokens: ArrayLike, params: ChinchillaParams = HOFFMANN_2022
) -> NDArray[np.float64]:
    """Evaluate ``E + A / N**alpha + B / D**beta`` in nats, broadcasting ``N`` against ``D``.

    Parameters
    ----------
    n_params, n_tokens
        Model sizes ``N`` and training tokens ``D`` (positive; any broadcastable shapes).
    params
        The law's parameters (default: Hoffmann et al.'s printed values).
    """
    n_params = np.asarray(n_params, dtype=np.float64)
    n_tokens = np.asarray(n_tokens, dtype=np.float64)
    E, A, B, alpha, beta = params
    return E + A * n_params ** (-alpha) + B * n_tokens ** (-beta)


def allocation_exponents(params: ChinchillaParams) -> tuple[float, float]:
    """Exponents ``(a, b)`` of ``N_opt ∝ C**a`` and ``D_opt ∝ C**b``: β/(α+β) and α/(α+β)."""
    total = params.alpha + params.beta
    return params.beta / total, params.alpha / total


def allocation_constant(params: ChinchillaParams) -> float:
    """The constant ``G = (alpha A / (beta B)) ** (1 / (alpha + beta))`` of the optimum."""
    ratio = params.alpha * params.A / (params.beta * params.B)
    return float(ratio ** (1.0 / (params.alpha + params.beta)))


def compute_optimal(
    compute: ArrayLike, params: ChinchillaParams = HOFFMANN_2022
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Compute-optimal model size and data for a budget, minimising the law under ``C = 6ND``.

    ``N_opt = G (C/6)**a`` and ``D_opt = (C/6)**b / G`` (Hoffmann et al. 2022, Eq. 4).

    Parameters
    ----------
    compute
        Training budgets in FLOPs.
    params
        The parametric law.

    Returns
    -------
    (n_opt, d_opt)
        Arrays of the shape of ``compute``; ``6 * n_opt * d_opt`` equals ``compute``.
    """
    compute = np.asarray(compute, dtype=np.float64)
    a, b = allocation_exponents(params)
    g = allocation_constant(params)
    base = compute / TRAINING_FLOP_PER_PARAM_TOKEN
    return g * base**a, base**b / g


def compute_optimal_loss(
    compute: ArrayLike, params: ChinchillaParams = HOFFMANN_2022
) -> NDArray[np.float64]:
    """The lowest loss the law allows for a budget (the compute-efficient frontier)."""
    n_opt, d_opt = compute_optimal(compute, params)
    return chinchilla_loss(n_opt, d_opt, params)


def isoflop_loss(
    compute: ArrayLike, n_params: ArrayLike, params: ChinchillaParams = HOFFMANN_2022
) -> NDArray[np.float64]:
    """Loss of models of size ``n_params`` trained with budget ``compute`` (``D = C / 6N``)."""
    n_params = np.asarray(n_params, dtype=np.float64)
    return chinchilla_loss(n_params, tokens_for_budget(compute, n_params), params)


def tokens_per_parameter(
    compute: ArrayLike, params: ChinchillaParams = HOFFMANN_2022
) -> NDArray[np.float64]:
    """The compute-optimal ratio ``D_opt / N_opt`` at a budget."""
    n_opt, d_opt = compute_optimal(compute, params)
    return d_opt / n_opt


def tokens_for_budget(compute: ArrayLike, n_params: ArrayLike) -> NDArray[np.float64]:
    """Tokens ``D = C / (6 N)`` a budget buys for a model of ``n_params`` parameters."""
    compute = np.asarray(compute, dtype=np.float64)
    n_params = np.asarray(n_params, dtype=np.float64)
    return compute / (TRAINING_FLOP_PER_PARAM_TOKEN * n_params)


def compute_for_model(n_params: ArrayLike, tokens_per_param: float = 20.0) -> NDArray[np.float64]:
    """Budget to train ``n_params`` parameters on ``tokens_per_param`` tokens each: ``6 r N**2``."""
    n_params = np.asarray(n_params, dtype=np.float64)
    return TRAINING_FLOP_PER_PARAM_TOKEN * tokens_per_param * n_params**2


def largest_model_for_budget(
    compute: ArrayLike, tokens_per_param: float = 20.0
) -> NDArray[np.float64]:
    """Largest model a budget trains at ``tokens_per_param`` tokens per parameter: √(C / 6r)."""
    compute = np.asarray(compute, dtype=np.float64)
    return np.sqrt(compute / (TRAINING_FLOP_PER_PARAM_TOKEN * tokens_per_param))


# --- fitting a parametric law ----------------------------------------------------------------


def huber(residuals: ArrayLike, delta: float = HUBER_DELTA) -> NDArray[np.float64]:
    """Huber's loss: ``r**2 / 2`` for ``|r| <= delta``, ``delta * (|r| - delta / 2)`` beyond.

    Quadratic for small residuals and linear for large ones, so a few outlying runs cannot
    dominate a fit (Huber 1964).
    """
    r = np.abs(np.asarray(residuals, dtype=np.float64))
    return np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))


def to_log_params(params: ChinchillaParams) -> NDArray[np.float64]:
    """Hoffmann et al.'s fitting coordinates: ``(a, b, e, alpha, beta) = (ln A, ln B, ln E, α, β)``.
    """
    E, A, B, alpha, beta = params
    return np.array([np.log(A), np.log(B), np.log(E), alpha, beta])


def from_log_params(theta: ArrayLike) -> ChinchillaParams:
    """Inverse of :func:`to_log_params`."""
    a, b, e, alpha, beta = (float(v) for v in np.asarray(theta, dtype=np.float64))
    return ChinchillaParams(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)),
                            alpha=alpha, beta=beta)


def predicted_log_loss(theta: ArrayLike, n_params: ArrayLike, n_tokens: ArrayLike
                       ) -> NDArray[np.float64]:
    """``log L = LSE(a - α log N, b - β log D, e)``, evaluated without overflow.

    The log-sum-exp form keeps ``A``, ``B`` and ``E`` positive and fits them on a log scale.
    """
    a, b, e, alpha, beta = np.asarray(theta, dtype=np.float64)
    log_n = np.log(np.asarray(n_params, dtype=np.float64))
    log_d = np.log(np.asarray(n_tokens, dtype=np.float64))
    return np.logaddexp(np.logaddexp(a - alpha * log_n, b - beta * log_d), e)


def fit_objective(theta: ArrayLike, n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike,
                  delta: float = HUBER_DELTA) -> float:
    """Hoffmann et al.'s objective: the summed Huber loss of log-loss residuals.

    Parameters
    ----------
    theta
        ``(a, b, e, alpha, beta)``, see :func:`to_log_params`.
    n_params, n_tokens, loss
        The runs: model sizes, training tokens and final losses (nats).
    delta
        Huber threshold.
    """
    residuals = predicted_log_loss(theta, n_params, n_tokens) - np.log(
        np.asarray(loss, dtype=np.float64))
    return float(np.sum(huber(residuals, delta)))


def _linear_terms(n_params: NDArray, n_tokens: NDArray, loss: NDArray, alphas: NDArray,
                  betas: NDArray, weighted: bool) -> NDArray[np.float64]:
    """Least-squares ``(E, A, B)`` for every ``(alphas[k], betas[k])``: shape ``(k, 3)``.

    With ``weighted`` the squared errors are divided by ``loss**2``, so that they approximate
    squared errors of ``log L``. The normal equations of all candidates are solved at once, on
    columns scaled to unit norm.
    """
    weights = 1.0 / loss if weighted else np.ones_like(loss)
    columns = np.stack(
        [np.broadcast_to(weights, (alphas.size, loss.size)),
         weights * n_params[None, :] ** (-alphas[:, None]),
         weights * n_tokens[None, :] ** (-betas[:, None])],
        axis=2,
    )
    norms = np.sqrt(np.sum(columns**2, axis=1))  # (k, 3)
    scaled = columns / norms[:, None, :]
    gram = np.matmul(scaled.transpose(0, 2, 1), scaled)
    rhs = np.matmul(scaled.transpose(0, 2, 1), weights * loss)
    with np.errstate(all="ignore"):
        try:
            solution = np.linalg.solve(gram, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            solution = np.stack([np.linalg.lstsq(g, r, rcond=None)[0]
                                 for g, r in zip(gram, rhs)])
    return solution / norms


def _score_grid(n: NDArray, d: NDArray, y: NDArray, alphas: ArrayLike, betas: ArrayLike,
                delta: float, weighted: bool) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Every valid grid candidate: ``(E, A, B)`` rows, their ``alpha``, ``beta`` and scores."""
    grid_a, grid_b = np.meshgrid(np.asarray(alphas, dtype=np.float64),
                                 np.asarray(betas, dtype=np.float64), indexing="ij")
    grid_a, grid_b = grid_a.ravel(), grid_b.ravel()
    chunk = max(1, 100_000 // y.size)
    parts = []
    for start in range(0, grid_a.size, chunk):
        al, be = grid_a[start:start + chunk], grid_b[start:start + chunk]
        coef = _linear_terms(n, d, y, al, be, weighted)
        valid = np.all(np.isfinite(coef), axis=1) & np.all(coef > 0, axis=1)
        coef, al, be = coef[valid], al[valid], be[valid]
        predicted = (coef[:, :1] + coef[:, 1:2] * n[None, :] ** (-al[:, None])
                     + coef[:, 2:3] * d[None, :] ** (-be[:, None]))
        scores = np.sum(huber(np.log(predicted) - np.log(y)[None, :], delta), axis=1)
        parts.append((coef, al, be, scores))
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(4))


def grid_fit(
    n_params: ArrayLike,
    n_tokens: ArrayLike,
    loss: ArrayLike,
    alphas: ArrayLike,
    betas: ArrayLike,
    *,
    delta: float = HUBER_DELTA,
    weighted: bool = False,
) -> tuple[ChinchillaParams, float]:
    """Fit the law by a grid over ``(alpha, beta)`` with a linear solve for ``(E, A, B)``.

    For fixed exponents the law is linear in ``E``, ``A`` and ``B``, so they follow from least
    squares. Candidates with a non-positive ``E``, ``A`` or ``B`` are discarded and the others
    are scored with :func:`fit_objective`; the best one wins.

    Parameters
    ----------
    n_params, n_tokens, loss
        The runs (one-dimensional, equal length).
    alphas, betas
        The exponents to try; every pair is tried.
    delta
        Huber threshold of the score.
    weighted
        Weight the least squares by ``1 / loss**2`` (closer to a fit of ``log L``).

    Returns
    -------
    (params, objective)
        The best parameters and their objective value.

    Raises
    ------
    ValueError
        If no candidate has positive ``E``, ``A`` and ``B``.
    """
    n, d, y = _runs(n_params, n_tokens, loss)
    coef, grid_a, grid_b, scores = _score_grid(n, d, y, alphas, betas, delta, weighted)
    if scores.size == 0:
        raise ValueError("no (alpha, beta) on the grid gives positive E, A and B")
    k = int(np.argmin(scores))
    params = ChinchillaParams(E=float(coef[k, 0]), A=float(coef[k, 1]), B=float(coef[k, 2]),
                              alpha=float(grid_a[k]), beta=float(grid_b[k]))
    return params, float(scores[k])


def _runs(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike
          ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Validate and return the runs as float arrays."""
    n = np.asarray(n_params, dtype=np.float64)
    d = np.asarray(n_tokens, dtype=np.float64)
    y = np.asarray(loss, dtype=np.float64)
    if n.ndim != 1 or n.shape != d.shape or n.shape != y.shape:
        raise ValueError("n_params, n_tokens and loss must be one-dimensional of equal length")
    if n.size < 5:
        raise ValueError("fitting five parameters needs at least five runs")
    if np.any(n <= 0) or np.any(d <= 0) or np.any(y <= 0):
        raise ValueError("model sizes, token counts and losses must be positive")
    return n, d, y


def nelder_mead(
    objective: Callable[[NDArray[np.float64]], float],
    start: ArrayLike,
    *,
    step: ArrayLike | float = 0.05,
    max_evaluations: int = 4000,
    xatol: float = 1e-9,
    fatol: float = 1e-15,
) -> tuple[NDArray[np.float64], float]:
    """Minimise ``objective`` with the Nelder–Mead simplex method (no derivatives needed).

    Parameters
    ----------
    objective
        Function of a 1-d array returning a float.
    start
        Initial point.
    step
        Size of the initial simplex along each coordinate.
    max_evaluations
        Budget of objective evaluations.
    xatol, fatol
        Stop when the simplex is this small in position and in value.

    Returns
    -------
    (x, value)
        The best point found and its objective value.
    """
    start = np.asarray(start, dtype=np.float64)
    dim = start.size
    simplex = np.vstack([start, start + np.diag(np.broadcast_to(step, (dim,)))])
    values = np.array([objective(p) for p in simplex])
    evaluations = dim + 1
    while evaluations < max_evaluations:
        order = np.argsort(values)
        simplex, values = simplex[order], values[order]
        if (np.max(np.abs(simplex[1:] - simplex[0])) <= xatol
                and np.max(np.abs(values[1:] - values[0])) <= fatol):
            break
        centroid = simplex[:-1].mean(axis=0)
        worst = simplex[-1]
        reflected = centroid + (centroid - worst)
        f_reflected = objective(reflected)
        evaluations += 1
        if f_reflected < values[0]:
            expanded = centroid + 2.0 * (centroid - worst)
            f_expanded = objective(expanded)
            evaluations += 1
            if f_expanded < f_reflected:
                simplex[-1], values[-1] = expanded, f_expanded
            else:
                simplex[-1], values[-1] = reflected, f_reflected
            continue
        if f_reflected < values[-2]:
            simplex[-1], values[-1] = reflected, f_reflected
            continue
        outside = f_reflected < values[-1]
        contracted = centroid + 0.5 * ((reflected if outside else worst) - centroid)
        f_contracted = objective(contracted)
        evaluations += 1
        if f_contracted < (f_reflected if outside else values[-1]):
            simplex[-1], values[-1] = contracted, f_contracted
            continue
        simplex[1:] = simplex[0] + 0.5 * (simplex[1:] - simplex[0])
        values[1:] = [objective(p) for p in simplex[1:]]
        evaluations += dim
    k = int(np.argmin(values))
    return simplex[k], float(values[k])


def fit_scaling_law(
    n_params: ArrayLike,
    n_tokens: ArrayLike,
    loss: ArrayLike,
    *,
    delta: float = HUBER_DELTA,
    exponent_range: tuple[float, float] = (0.02, 2.0),
    grid_size: int = 40,
    zooms: int = 3,
    starts: int = 3,
) -> ChinchillaParams:
    """Fit ``L(N, D) = E + A / N**alpha + B / D**beta`` to runs, with numpy only.

    1. A grid over ``(alpha, beta)`` with ``E, A, B`` by least squares (:func:`grid_fit`),
       refined ``zooms`` times around the best cell.
    2. The ``starts`` best candidates of the last grid each start a Nelder–Mead search of
       Hoffmann et al.'s objective (:func:`fit_objective`: Huber on log-loss, log-sum-exp
       parameters); the lowest objective wins.

    Parameters
    ----------
    n_params, n_tokens, loss
        The runs (one-dimensional, equal length, positive).
    delta
        Huber threshold.
    exponent_range
        Range of ``alpha`` and ``beta`` searched by the first grid.
    grid_size
        Points per exponent in each grid.
    zooms
        How many times the grid is refined around its best point.
    starts
        Number of local searches (0 skips them and returns the grid fit).

    Returns
    -------
    ChinchillaParams
        The fitted law.
    """
    n, d, y = _runs(n_params, n_tokens, loss)
    low, high = exponent_range
    alphas = betas = np.linspace(low, high, grid_size)
    params, _ = grid_fit(n, d, y, alphas, betas, delta=delta, weighted=True)
    for _ in range(zooms):
        step_a, step_b = alphas[1] - alphas[0], betas[1] - betas[0]
        alphas = np.linspace(max(params.alpha - 2 * step_a, 1e-3), params.alpha + 2 * step_a,
                             grid_size)
        betas = np.linspace(max(params.beta - 2 * step_b, 1e-3), params.beta + 2 * step_b,
                            grid_size)
        params, _ = grid_fit(n, d, y, alphas, betas, delta=delta, weighted=True)
    if starts <= 0:
        return params
    candidates = _best_grid_candidates(n, d, y, alphas, betas, starts, delta)
    best_theta, best_value = to_log_params(params), fit_objective(to_log_params(params), n, d, y,
                                                                  delta)
    for theta in candidates:
        found, value = nelder_mead(lambda t: fit_objective(t, n, d, y, delta), theta,
                                   step=np.array([0.1, 0.1, 0.01, 0.01, 0.01]))
        if value < best_value:
            best_theta, best_value = found, value
    return from_log_params(best_theta)


def _best_grid_candidates(n: NDArray, d: NDArray, y: NDArray, alphas: NDArray, betas: NDArray,
                          count: int, delta: float) -> list[NDArray[np.float64]]:
    """Starting points for local searches: the ``count`` best valid cells of a grid."""
    coef, grid_a, grid_b, scores = _score_grid(n, d, y, alphas, betas, delta, weighted=True)
    best = np.argsort(scores)[:count]
    return [np.array([np.log(coef[k, 1]), np.log(coef[k, 2]), np.log(coef[k, 0]),
                      grid_a[k], grid_b[k]]) for k in best]


# --- IsoFLOP profiles (Hoffmann et al.'s Approach 2) -----------------------------------------


def isoflop_minimum(n_params: ArrayLike, loss: ArrayLike) -> tuple[float, float]:
    """Fit a parabola to loss against ``ln N`` along one IsoFLOP profile; return its vertex.

    Parameters
    ----------
    n_params, loss
        Model sizes (at least three distinct) and their losses at one compute budget.

    Returns
    -------
    (n_opt, loss_opt)
        Model size and loss at the vertex.

    Raises
    ------
    ValueError
        If there are fewer than three distinct sizes or the parabola opens downwards.
    """
    x = np.log(np.asarray(n_params, dtype=np.float64))
    y = np.asarray(loss, dtype=np.float64)
    if x.shape != y.shape or np.unique(x).size < 3:
        raise ValueError("need losses for at least three distinct model sizes")
    curvature, slope, intercept = np.polyfit(x, y, deg=2)
    if curvature <= 0:
        raise ValueError("the IsoFLOP profile has no minimum (parabola opens downwards)")
    vertex = -slope / (2.0 * curvature)
    return float(np.exp(vertex)), float(intercept - slope**2 / (4.0 * curvature))


def isoflop_frontier(
    n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, min_sizes: int = 4
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Approach 2 on a sweep: the vertex of every IsoFLOP profile whose minimum is inside it.

    Runs with equal ``6 N D`` (to a relative 1e-9) form a profile; replicates at the same size
    are averaged first. A profile is used when it has at least ``min_sizes`` sizes and its
    vertex falls strictly between its smallest and largest model.

    Returns
    -------
    (compute, n_opt, loss_opt)
        One entry per usable profile, in increasing compute.
    """
    n = np.asarray(n_params, dtype=np.float64)
    d = np.asarray(n_tokens, dtype=np.float64)
    y = np.asarray(loss, dtype=np.float64)
    compute = training_flops(n, d)
    keys = np.round(np.log(compute) * 1e9).astype(np.int64)
    budgets, optima, losses = [], [], []
    for key in np.unique(keys):
        members = keys == key
        sizes = np.unique(n[members])
        if sizes.size < min_sizes:
            continue
        mean_loss = np.array([y[members & (n == s)].mean() for s in sizes])
        try:
            n_opt, loss_opt = isoflop_minimum(sizes, mean_loss)
        except ValueError:
            continue
        if sizes[0] < n_opt < sizes[-1]:
            budgets.append(float(compute[members][0]))
            optima.append(n_opt)
            losses.append(loss_opt)
    return np.array(budgets), np.array(optima), np.array(losses)


# --- the course's own sweep ------------------------------------------------------------------

SWEEP_FILE = "scaling_sweep.csv"


@dataclass(frozen=True)
class ScalingSweep:
    """The runs of ``data/scaling_sweep.csv`` as arrays, with the header's metadata.

    ``n_examples`` plays the role of training tokens ``D``.
    """

    n_params: NDArray[np.float64]
    n_examples: NDArray[np.float64]
    replicate: NDArray[np.int64]
    split: NDArray[np.str_]
    weight_decay: NDArray[np.float64]
    loss: NDArray[np.float64]
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def irreducible_loss(self) -> float:
        """The known floor of the task in nats: the entropy of its Gaussian label noise."""
        return float(self.metadata["irreducible_loss_nats"])

    @property
    def fit_tolerance(self) -> float:
        """How close (nats) a fit of the ``fit`` runs must put ``E`` to the known floor."""
        return float(self.metadata["fit_tolerance_nats"])

    @property
    def compute(self) -> NDArray[np.float64]:
        """Nominal training compute ``6 N D`` of every run."""
        return training_flops(self.n_params, self.n_examples)

    def select(self, split: str) -> "ScalingSweep":
        """The runs of one split, ``"fit"`` or ``"holdout"``."""
        keep = self.split == split
        if not keep.any():
            raise ValueError(f"no runs in split {split!r}")
        return ScalingSweep(self.n_params[keep], self.n_examples[keep], self.replicate[keep],
                            self.split[keep], self.weight_decay[keep], self.loss[keep],
                            dict(self.metadata))

    def __len__(self) -> int:
        return int(self.loss.size)


def load_scaling_sweep(path: str | os.PathLike[str] | None = None) -> ScalingSweep:
    """Read the course's scaling sweep (default: ``data/scaling_sweep.csv``).

    ``# key: value`` lines of the header (lower-case identifier keys) become
    :attr:`ScalingSweep.metadata`.
    """
    if path is None:
        from phaselab.data import data_path

        path = data_path(SWEEP_FILE)
    metadata: dict[str, str] = {}
    rows: list[str] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            if line.startswith("#"):
                key, sep, value = line[1:].partition(":")
                key = key.strip()
                if sep and key.isidentifier() and key.islower():
                    metadata[key] = value.strip()
            elif line.strip():
                rows.append(line)
    table = list(csv.DictReader(rows))
    if not table:
        raise ValueError(f"{path} holds no runs")

    def column(name: str, dtype: type) -> NDArray:
        return np.array([row[name] for row in table], dtype=dtype)

    return ScalingSweep(
        n_params=column("n_params", np.float64),
        n_examples=column("n_examples", np.float64),
        replicate=column("replicate", np.int64),
        split=column("split", np.str_),
        weight_decay=column("weight_decay", np.float64),
        loss=column("loss", np.float64),
        metadata=metadata,
    )


def fit_scaling_sweep(sweep: ScalingSweep | None = None, *, split: str | None = "fit",
                      **fit_options: Any) -> ChinchillaParams:
    """Fit the parametric law to the course's sweep (by default its ``fit`` runs).

    Parameters
    ----------
    sweep
        A loaded sweep (default: :func:`load_scaling_sweep`).
    split
        Which runs to fit; ``None`` fits all of them.
    **fit_options
        Passed on to :func:`fit_scaling_law`.
    """
    sweep = load_scaling_sweep() if sweep is None else sweep
    runs = sweep if split is None else sweep.select(split)
    return fit_scaling_law(runs.n_params, runs.n_examples, runs.loss, **fit_options)
