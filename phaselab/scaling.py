"""Power laws and scaling laws.

Lesson 00 uses the power-law basics at the top of this module; lesson 01 the scaling laws of
language models below them.
"""

from __future__ import annotations

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
