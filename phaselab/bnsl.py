"""Broken neural scaling laws: a power law whose slope changes smoothly at a few breaks (lesson 06).

Caballero, Gupta, Rish & Krueger (2023), "Broken Neural Scaling Laws", arXiv:2210.14891, write
a scaling curve with ``n`` breaks as

    y = a + b * x**(-c0) * prod_i (1 + (x / d_i)**(1 / f_i))**(-c_i * f_i)

* ``a`` is the limit no amount of ``x`` improves on, ``b`` the scale of the reducible part;
* ``c0`` is the slope (on log-log axes, of ``y - a``) of the first segment;
* at break ``i``, near ``x = d_i``, the slope changes by ``c_i`` (it becomes steeper for
  ``c_i > 0``, flatter for ``c_i < 0``);
* ``f_i`` is the sharpness of the break: the change happens over about ``f_i`` natural-log units
  of ``x`` around ``d_i`` (smaller is sharper).

Far below every break the law is ``a + b x**(-c0)``; past break ``i`` the reducible part falls
with slope ``-(c0 + c_1 + ... + c_i)``. The module evaluates the law and its log-log slope,
fits the one-break law with numpy (a grid over the four shape parameters with a linear solve
for ``a`` and ``b``, then Nelder–Mead on the paper's objective, the mean squared error of
``log(y + 1)``), and reads the course's own curve with a break: the held-out loss of the
4-digit addition MLPs of lesson 03 against the number of training examples seen.

Everything is pure numpy; nothing runs at import time.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phaselab.scaling import nelder_mead

FloatArray = NDArray[np.float64]


class OneBreak(NamedTuple):
    """Parameters of a broken neural scaling law with one break.

    ``a`` limit, ``b`` scale, ``c0`` first slope, ``c1`` change of slope at the break, ``d1``
    location of the break (in the units of ``x``), ``f1`` sharpness (smaller is sharper).
    Unpacks as ``a, b, c0, c1, d1, f1 = params``.
    """

    a: float
    b: float
    c0: float
    c1: float
    d1: float
    f1: float


# ---------------------------------------------------------------------------------------------
# The law
# ---------------------------------------------------------------------------------------------


def _as_breaks(c: ArrayLike, d: ArrayLike, f: ArrayLike) -> tuple[FloatArray, FloatArray,
                                                                  FloatArray]:
    """The break parameters as equally long 1-d arrays, checked."""
    c, d, f = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (c, d, f))
    if not c.shape == d.shape == f.shape or c.ndim != 1:
        raise ValueError("c, d and f need one entry per break")
    if np.any(d <= 0) or np.any(f <= 0):
        raise ValueError("break locations d and sharpnesses f must be positive")
    return c, d, f


def log_reducible(x: ArrayLike, b: float, c0: float, c: ArrayLike = (), d: ArrayLike = (),
                  f: ArrayLike = ()) -> FloatArray:
    """``ln(y - a)``, the logarithm of the reducible part, computed without overflow.

    ``ln(1 + (x/d)**(1/f))`` is evaluated as ``logaddexp(0, ln(x/d) / f)``, which stays finite
    for very sharp breaks (small ``f``) and for ``x`` far from ``d``.
    """
    if b <= 0:
        raise ValueError("the scale b must be positive")
    log_x = np.log(np.asarray(x, dtype=np.float64))
    c, d, f = _as_breaks(c, d, f)
    result = np.log(b) - c0 * log_x
    for c_i, d_i, f_i in zip(c, d, f):
        result = result - c_i * f_i * np.logaddexp(0.0, (log_x - np.log(d_i)) / f_i)
    return result


def bnsl(x: ArrayLike, a: float, b: float, c0: float, c: ArrayLike = (), d: ArrayLike = (),
         f: ArrayLike = ()) -> FloatArray:
    """Evaluate a broken neural scaling law with ``len(c)`` breaks.

    Parameters
    ----------
    x
        Positive scales (model size, data, compute, steps...).
    a, b, c0
        Limit, scale and first slope.
    c, d, f
        Per break: change of slope, location and sharpness (``d`` and ``f`` positive). With no
        breaks the law is the power law with a floor ``a + b x**(-c0)``.

    Returns
    -------
    numpy.ndarray
        Values of the shape of ``x``.
    """
    return a + np.exp(log_reducible(x, b, c0, c, d, f))


def one_break(x: ArrayLike, params: OneBreak) -> FloatArray:
    """Evaluate the one-break law ``a + b x**-c0 (1 + (x/d1)**(1/f1))**(-c1 f1)``."""
    a, b, c0, c1, d1, f1 = params
    return bnsl(x, a, b, c0, (c1,), (d1,), (f1,))


def log_slope(x: ArrayLike, c0: float, c: ArrayLike = (), d: ArrayLike = (),
              f: ArrayLike = ()) -> FloatArray:
    """Local slope ``d ln(y - a) / d ln x`` of the reducible part.

    Each break contributes ``-c_i * u / (1 + u)`` with ``u = (x/d_i)**(1/f_i)``: nothing far
    below ``d_i``, ``-c_i / 2`` at ``x = d_i`` and ``-c_i`` far above. The slope therefore goes
    from ``-c0`` to ``-(c0 + sum c_i)``; ``f_i`` sets how many log units the change takes.
    """
    log_x = np.log(np.asarray(x, dtype=np.float64))
    c, d, f = _as_breaks(c, d, f)
    slope = np.full(log_x.shape, -float(c0))
    for c_i, d_i, f_i in zip(c, d, f):
        z = (log_x - np.log(d_i)) / f_i
        slope = slope - c_i * np.exp(-np.logaddexp(0.0, -z))  # u / (1 + u) = sigmoid(ln u)
    return slope


def segments(x: ArrayLike, params: OneBreak) -> tuple[FloatArray, FloatArray]:
    """The two power laws a one-break law joins: ``(before, after)``, floor included.

    Before the break ``a + b x**(-c0)``; after it ``a + b d1**c1 x**(-(c0 + c1))`` (for
    ``x >> d1`` the factor ``(1 + (x/d1)**(1/f1))**(-c1 f1)`` tends to ``(x/d1)**(-c1)``).
    """
    a, b, c0, c1, d1, _ = params
    x = np.asarray(x, dtype=np.float64)
    return a + b * x ** (-c0), a + b * d1**c1 * x ** (-(c0 + c1))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def msle(predicted: ArrayLike, observed: ArrayLike) -> float:
    """Mean squared error of ``log(y + 1)``: the objective Caballero et al. fit with.

    Predictions at or below ``-1`` (where the logarithm is undefined) give ``inf``.
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    observed = np.asarray(observed, dtype=np.float64)
    if np.any(~(predicted > -1.0)):
        return float("inf")
    return float(np.mean((np.log1p(predicted) - np.log1p(observed)) ** 2))


def rmsle(predicted: ArrayLike, observed: ArrayLike) -> float:
    """Root mean squared error of ``ln y``: how far off a prediction is, as a factor.

    An RMSLE of 0.1 means predictions off by about 10 % (a factor ``e**0.1``) on average. Both
    arrays must be positive; a non-positive prediction gives ``inf``.
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    observed = np.asarray(observed, dtype=np.float64)
    if np.any(~(predicted > 0.0)):
        return float("inf")
    return float(np.sqrt(np.mean((np.log(predicted) - np.log(observed)) ** 2)))


# ---------------------------------------------------------------------------------------------
# Fitting one break
# ---------------------------------------------------------------------------------------------

#: Default grid of the first slope ``c0`` and of the change of slope ``c1``.
C0_GRID: FloatArray = np.linspace(-0.5, 1.5, 17)
C1_GRID: FloatArray = np.linspace(-2.0, 4.0, 25)
#: Default grid of the sharpness ``f1`` (log-spaced: sharp to very gradual).
F_GRID: FloatArray = np.geomspace(0.02, 3.0, 9)
#: Number of break locations tried, log-spaced over the range of ``x`` (one log unit wider).
N_LOCATIONS = 24


def _check_curve(x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("x and y must be one-dimensional and of equal length")
    if x.size < 6:
        raise ValueError("a one-break law has six parameters: give at least six points")
    if np.any(x <= 0) or np.any(y < 0):
        raise ValueError("x must be positive and y non-negative")
    return x, y


def _grid_candidates(x: FloatArray, y: FloatArray, limit: float | None, c0_grid: ArrayLike,
                     c1_grid: ArrayLike, f_grid: ArrayLike, n_locations: int
                     ) -> tuple[FloatArray, FloatArray]:
    """Every grid point with its best ``a`` and ``b``: ``(thetas, scores)``.

    A row of ``thetas`` is ``(a, ln b, c0, c1, ln d1, ln f1)``. For fixed shape parameters the
    law is linear in ``a`` and ``b``; they come from least squares weighted by ``1 / (1 + y)``
    (the first-order change of ``log(1 + y)``), with ``a`` clipped at 0 (or fixed to
    ``limit``). Each candidate is scored with :func:`msle`; ``b <= 0`` scores ``inf``.
    """
    log_x = np.log(x)
    log_d = np.linspace(log_x.min() - 1.0, log_x.max() + 1.0, n_locations)
    grids = np.meshgrid(np.asarray(c0_grid, np.float64), np.asarray(c1_grid, np.float64),
                        log_d, np.log(np.asarray(f_grid, np.float64)), indexing="ij")
    c0, c1, ld, lf = (g.reshape(-1, 1) for g in grids)
    sharp = np.exp(lf)
    shape = -c0 * log_x - c1 * sharp * np.logaddexp(0.0, (log_x - ld) / sharp)
    top = shape.max(axis=1, keepdims=True)
    g = np.exp(shape - top)  # (k, n), largest entry 1: the scale goes into b
    w2 = 1.0 / (1.0 + y) ** 2
    s_gg = (w2 * g * g).sum(axis=1)
    s_gy = (w2 * g * y).sum(axis=1)
    if limit is None:
        s_1, s_g, s_y = w2.sum(), (w2 * g).sum(axis=1), (w2 * y).sum()
        det = s_1 * s_gg - s_g**2
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (s_gg * s_y - s_g * s_gy) / det
            b = (s_1 * s_gy - s_g * s_y) / det
        clipped = ~(a >= 0.0)
        a = np.where(clipped, 0.0, a)
        b = np.where(clipped, s_gy / s_gg, b)
    else:
        a = np.full(s_gg.shape, float(limit))
        b = (s_gy - limit * (w2 * g).sum(axis=1)) / s_gg
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        predicted = a[:, None] + b[:, None] * g
        scores = np.mean((np.log1p(np.maximum(predicted, -1.0 + 1e-300))
                          - np.log1p(y)) ** 2, axis=1)
        log_b = np.log(b) + top[:, 0]
    scores = np.where((b > 0) & np.isfinite(scores) & np.isfinite(log_b), scores, np.inf)
    thetas = np.column_stack([a, log_b, c0[:, 0], c1[:, 0], ld[:, 0], lf[:, 0]])
    return thetas, scores


def _theta_to_params(theta: ArrayLike) -> OneBreak:
    a, log_b, c0, c1, log_d, log_f = (float(v) for v in theta)
    return OneBreak(a, float(np.exp(log_b)), c0, c1, float(np.exp(log_d)), float(np.exp(log_f)))


def _objective(theta: FloatArray, x: FloatArray, y: FloatArray, limit: float | None) -> float:
    """MSLE of the law at ``theta``; ``inf`` outside the allowed region (``a < 0``)."""
    if limit is not None:
        theta = np.concatenate([[limit], theta])
    if theta[0] < 0 or not np.all(np.isfinite(theta)):
        return float("inf")
    a, log_b, c0, c1, log_d, log_f = theta
    if abs(log_f) > 20 or abs(log_b) > 700:
        return float("inf")
    with np.errstate(all="ignore"):
        predicted = a + np.exp(np.minimum(
            log_b - c0 * np.log(x) - c1 * np.exp(log_f)
            * np.logaddexp(0.0, (np.log(x) - log_d) / np.exp(log_f)), 700.0))
        value = msle(predicted, y)
    return value if np.isfinite(value) else float("inf")


def fit_one_break(
    x: ArrayLike,
    y: ArrayLike,
    *,
    limit: float | None = None,
    c0_grid: ArrayLike = C0_GRID,
    c1_grid: ArrayLike = C1_GRID,
    f_grid: ArrayLike = F_GRID,
    n_locations: int = N_LOCATIONS,
    starts: int = 3,
    max_evaluations: int = 3000,
) -> OneBreak:
    """Fit a one-break law to a curve by minimising the MSLE of ``log(y + 1)``.

    1. A grid over ``c0``, ``c1``, the break location ``d1`` (``n_locations`` log-spaced
       values reaching one log unit beyond the data on each side) and the sharpness ``f1``,
       with ``a`` and ``b`` from a weighted linear least-squares solve (:func:`_grid_candidates`).
    2. Nelder–Mead (:func:`phaselab.scaling.nelder_mead`) from the ``starts`` best grid points
       on the exact objective, in the coordinates ``(a, ln b, c0, c1, ln d1, ln f1)``; the
       lowest objective wins.

    This mirrors Caballero et al.'s procedure (a brute-force grid, then a least-squares fit
    of ``log(y + 1)``) with numpy only.

    Parameters
    ----------
    x, y
        The curve: positive scales, non-negative values (at least six points).
    limit
        A known limit ``a`` (e.g. 0 for a loss that can reach zero); ``None`` fits it, with
        ``a >= 0``.
    c0_grid, c1_grid, f_grid, n_locations
        The grid of step 1.
    starts
        Local searches in step 2 (0 returns the best grid point).
    max_evaluations
        Objective evaluations per local search.

    Returns
    -------
    OneBreak
        The fitted parameters.
    """
    x, y = _check_curve(x, y)
    thetas, scores = _grid_candidates(x, y, limit, c0_grid, c1_grid, f_grid, n_locations)
    if not np.isfinite(scores).any():
        raise ValueError("no grid point gives a positive scale b: is y falling with x?")
    order = np.argsort(scores)
    best_theta, best_value = thetas[order[0]], float(scores[order[0]])
    free = slice(0, None) if limit is None else slice(1, None)
    for k in order[:max(starts, 0)]:
        found, value = nelder_mead(lambda t: _objective(t, x, y, limit), thetas[k, free],
                                   step=0.1, max_evaluations=max_evaluations,
                                   xatol=1e-10, fatol=1e-16)
        if value < best_value:
            best_value = value
            best_theta = found if limit is None else np.concatenate([[limit], found])
    return _theta_to_params(best_theta)


# ---------------------------------------------------------------------------------------------
# The course's curve with a break
# ---------------------------------------------------------------------------------------------

#: Width of the addition MLP whose training curve the lesson fits.
CURVE_WIDTH = 128


def addition_curve(width: int = CURVE_WIDTH, *, sweep: dict[str, FloatArray] | None = None
                   ) -> tuple[FloatArray, FloatArray]:
    """Held-out loss of lesson 03's addition MLPs against training examples, mean over seeds.

    Every training step of those runs draws fresh problems, so the number of examples seen is
    the size of the training data. The loss (nats per answer digit) falls slowly for a while
    and then much faster once the network starts to add: a curve with one break.

    Parameters
    ----------
    width
        Hidden width of the MLPs (one of the widths in ``data/emergence_sweep.csv``).
    sweep
        The loaded sweep (default: :func:`phaselab.emergence.load_emergence_sweep`).

    Returns
    -------
    (examples, loss)
        Increasing numbers of examples and the mean held-out loss over seeds at each.
    """
    if sweep is None:
        from phaselab.emergence import load_emergence_sweep

        sweep = load_emergence_sweep()
    rows = sweep["width"] == width
    if not rows.any():
        raise ValueError(f"no runs of width {width} in the sweep")
    examples = np.unique(sweep["examples"][rows])
    loss = np.array([sweep["loss"][rows & (sweep["examples"] == e)].mean() for e in examples])
    return examples, loss


def break_view(c0: float, c1: float, log10_d: float, f: float, *, a: float = 0.0,
               b: float = 1.0, x: ArrayLike | None = None) -> dict[str, FloatArray]:
    """Everything the lesson's break explorer draws for one setting of the sliders.

    Returns
    -------
    dict
        ``x``, the law ``y``, its two segments ``before`` and ``after`` and the local slope
        ``slope`` of the reducible part.
    """
    x = np.geomspace(1.0, 1e8, 300) if x is None else np.asarray(x, dtype=np.float64)
    params = OneBreak(a, b, c0, c1, 10.0**log10_d, f)
    before, after = segments(x, params)
    return {"x": x, "y": one_break(x, params), "before": before, "after": after,
            "slope": log_slope(x, c0, (c1,), (params.d1,), (f,))}


def extrapolation_table(y: ArrayLike, predictions: dict[str, ArrayLike], n_fit: int
                        ) -> dict[str, tuple[float, float]]:
    """RMSLE of each prediction on the fitted points and on the extrapolated ones.

    Parameters
    ----------
    y
        The whole observed curve; its first ``n_fit`` points were fitted.
    predictions
        Predicted ``y`` at every ``x``, by name.

    Returns
    -------
    dict
        ``{name: (rmsle on the first n_fit points, rmsle on the rest)}``.
    """
    y = np.asarray(y, dtype=np.float64)
    if not 0 < n_fit < y.size:
        raise ValueError("n_fit must leave points on both sides")
    return {name: (rmsle(np.asarray(p)[:n_fit], y[:n_fit]), rmsle(np.asarray(p)[n_fit:],
                                                                   y[n_fit:]))
            for name, p in predictions.items()}

