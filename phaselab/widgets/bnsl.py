"""Lesson 06 demo: one break of a broken neural scaling law, and its local slope."""

from __future__ import annotations

from typing import Any

from phaselab import plots
from phaselab.bnsl import break_view


def render(c0: float, c1: float, log10_d: float, f: float) -> Any:
    """Draw :func:`phaselab.bnsl.break_view` as two panels: the law with its two straight
    segments, and its local slope moving from ``-c0`` to ``-(c0 + c1)`` around the break."""
    import matplotlib.pyplot as plt

    view = break_view(c0, c1, log10_d, f)
    brk = 10.0**log10_d
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.plot(view["x"], view["y"], color=plots.PALETTE["blue"], linewidth=2.5,
              label="BNSL, one break")
    left.plot(view["x"], view["before"], color=plots.PALETTE["orange"], linestyle="--",
              label=r"segment before: $x^{-c_0}$")
    left.plot(view["x"], view["after"], color=plots.PALETTE["green"], linestyle="--",
              label=r"segment after: $x^{-(c_0 + c_1)}$")
    left.axvline(brk, color=plots.PALETTE["black"], linestyle=":", linewidth=1,
                 label=r"break $d_1$")
    left.set_ylim(max(view["y"].min() / 10, 1e-12), view["y"].max() * 10)
    plots.loglog(left, title="The law and its segments (a = 0, b = 1)", xlabel="scale x",
                 ylabel="y (log scale)")
    right.plot(view["x"], view["slope"], color=plots.PALETTE["blue"],
               label=r"$d \ln y / d \ln x$")
    right.axhline(-c0, color=plots.PALETTE["orange"], linestyle="--", label=r"$-c_0$")
    right.axhline(-(c0 + c1), color=plots.PALETTE["green"], linestyle="--",
                  label=r"$-(c_0 + c_1)$")
    right.axvline(brk, color=plots.PALETTE["black"], linestyle=":", linewidth=1)
    right.set_xscale("log")
    plots.label(right, title="Local slope on log-log axes", xlabel="scale x",
                ylabel="slope (dimensionless)")
    figure.tight_layout()
    return figure


def build(c0: float = 0.1, c1: float = 1.0, log10_d: float = 4.0, f: float = 0.3) -> Any:
    """The break explorer: sliders for the first slope, the change of slope, where the break
    is and how sharp it is."""
    from phaselab.widgets.core import linked_figure, log_slider, slider

    controls = {
        "c0": slider("first slope c0", value=c0, low=-0.5, high=1.5, step=0.05),
        "c1": slider("change of slope c1", value=c1, low=-2.0, high=3.0, step=0.05),
        "log10_d": slider("break log10 d1", value=log10_d, low=1.0, high=7.0, step=0.1),
        "f": log_slider("sharpness f1", value=f, low=-2.0, high=0.5, step=0.05),
    }
    hint = "Try f1 = 0.02 against f1 = 3, and a negative c1 (a bend towards a plateau)."
    return linked_figure(controls, render, description=hint)
