"""Lesson 00 demo: a power law with a floor on log-log axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from phaselab import plots
from phaselab.scaling import local_slope, power_law, power_law_with_floor

#: The x grid of the demo: six decades.
X_GRID = np.logspace(0, 6, 121)


def powerlaw_view(exponent: float, floor: float, scale: float = 5.0) -> dict[str, Any]:
    """Everything the power-law demo draws, for one setting of its sliders.

    Parameters
    ----------
    exponent
        Decay exponent of the reducible part.
    floor
        The irreducible floor added to the power law.
    scale
        Value of the reducible part at ``x = 1``.

    Returns
    -------
    dict
        ``x``; ``with_floor`` and ``pure`` curves; ``slope`` (local log-log slope of the
        curve with a floor, at the midpoints ``x_mid``); ``half_way``: the ``x`` at which the
        reducible part has fallen to the floor (``None`` without a floor).
    """
    with_floor = power_law_with_floor(X_GRID, scale, exponent, floor)
    pure = power_law(X_GRID, scale, exponent)
    x_mid = np.sqrt(X_GRID[1:] * X_GRID[:-1])
    half_way = (scale / floor) ** (1 / exponent) if floor > 0 and exponent > 0 else None
    return {
        "x": X_GRID, "with_floor": with_floor, "pure": pure,
        "x_mid": x_mid, "slope": local_slope(X_GRID, with_floor), "half_way": half_way,
    }


def render(exponent: float, floor: float, scale: float) -> Any:
    """Draw :func:`powerlaw_view` as two panels: the curves, and their local slope."""
    import matplotlib.pyplot as plt

    view = powerlaw_view(exponent, floor, scale)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(view["x"], view["pure"], linestyle="--", color=plots.PALETTE["sky"],
              label=r"pure power law $c\,x^{-\alpha}$")
    left.plot(view["x"], view["with_floor"], color=plots.PALETTE["blue"],
              label=r"with floor $E + c\,x^{-\alpha}$")
    if floor > 0:
        plots.reference_line(left, floor, f"floor E = {floor:.2f}")
    if view["half_way"] is not None and view["half_way"] <= X_GRID[-1]:
        left.axvline(view["half_way"], color=plots.PALETTE["orange"], linestyle="-.",
                     label="reducible part = floor")
    plots.loglog(left, title="A power law with and without a floor",
                 xlabel="x (e.g. parameters)", ylabel="y (e.g. loss, nats)")
    right.plot(view["x_mid"], view["slope"], color=plots.PALETTE["blue"], label="with floor")
    right.axhline(-exponent, color=plots.PALETTE["sky"], linestyle="--",
                  label=r"pure power law: $-\alpha$")
    right.set_xscale("log")
    plots.label(right, title="Local slope on log-log axes", xlabel="x (e.g. parameters)",
                ylabel="d log y / d log x")
    figure.tight_layout()
    return figure


def build(exponent: float = 0.3, floor: float = 1.7, scale: float = 5.0) -> Any:
    """The power-law explorer: sliders for the exponent, the floor and the scale."""
    from phaselab.widgets.core import linked_figure, slider

    controls = {
        "exponent": slider("exponent α", value=exponent, low=0.05, high=1.0, step=0.05),
        "floor": slider("floor E", value=floor, low=0.0, high=3.0, step=0.1),
        "scale": slider("scale c", value=scale, low=0.5, high=20.0, step=0.5),
    }
    return linked_figure(controls, render,
                         description="Move the sliders: where does the straight line bend?")
