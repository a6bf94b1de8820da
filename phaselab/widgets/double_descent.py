"""Demo of lesson 05: the double-descent curve under label noise, ridge and training-set size.

:func:`curve_view` is the pure part: from cached spectral sweeps (one per training-set size) it
computes the median test-risk curve, its interquartile band and the minimum-norm reference in a
few milliseconds. :func:`render` draws a view; :func:`build_double_descent_demo` wires sliders
for the noise ``sigma``, the ridge strength ``lambda`` and the training-set size to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from phaselab import double_descent as dd
from phaselab.plots import PALETTE, label

#: Training-set sizes of the demo's caches.
DEFAULT_N_TRAIN: tuple[int, ...] = (50, 75, 100, 150)

#: Fixed vertical range of the plot, so that curves compare across slider moves.
RISK_LIMITS: tuple[float, float] = (0.03, 300.0)


@dataclass(frozen=True)
class CurveView:
    """What the demo's figure shows for one setting of the controls.

    Attributes
    ----------
    feature_counts
        Model sizes ``P``.
    n_train, sigma, lam
        The settings.
    low, median, high
        25th percentile, median and 75th percentile over repeats of the ridge test risk.
    min_norm_median
        Median test risk of the minimum-norm fit (``lam = 0``) at the same noise level.
    peak_count
        The model size with the largest median ridge risk.
    """

    feature_counts: np.ndarray
    n_train: int
    sigma: float
    lam: float
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray
    min_norm_median: np.ndarray
    peak_count: int


def build_sweeps(
    n_values: Sequence[int] = DEFAULT_N_TRAIN, *, repeats: int = 5, seed: int = 0,
    feature_counts: Sequence[int] | None = None,
) -> dict[int, dd.SpectralSweep]:
    """Decompose the random-features sweep once per training-set size (the slow step).

    Parameters
    ----------
    n_values
        Training-set sizes offered by the demo.
    repeats
        Draws per model size.
    seed
        Seed; each training-set size gets its own draws.
    feature_counts
        Model sizes shared by all sweeps; by default each size gets
        :func:`phaselab.double_descent.default_feature_counts`, dense around its own threshold.
    """
    return {
        int(n): dd.build_spectral_sweep(
            int(n), feature_counts or dd.default_feature_counts(int(n)), repeats=repeats,
            seed=seed + 1000 * i,
        )
        for i, n in enumerate(n_values)
    }


def curve_view(
    sweeps: Mapping[int, dd.SpectralSweep], sigma: float, lam: float, n_train: int
) -> CurveView:
    """Compute the demo's curves for noise ``sigma``, ridge ``lam`` and ``n_train`` points.

    Pure and fast (a few milliseconds): every number comes from the cached decompositions.

    Raises
    ------
    KeyError
        If no sweep was built for ``n_train``.
    """
    sweep = sweeps[int(n_train)]
    counts = np.asarray(sweep.feature_counts)
    low, median, high = dd.interquartile(dd.sweep_risks(sweep, sigma, lam))
    min_norm = np.median(dd.sweep_risks(sweep, sigma, 0.0), axis=0)
    return CurveView(
        feature_counts=counts, n_train=int(n_train), sigma=float(sigma), lam=float(lam),
        low=low, median=median, high=high, min_norm_median=min_norm,
        peak_count=int(counts[np.argmax(median)]),
    )


def render(view: CurveView) -> Any:
    """Draw a :class:`CurveView` on log-log axes and return the matplotlib figure."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7.0, 4.2))
    counts = view.feature_counts
    ax.fill_between(counts, view.low, view.high, color=PALETTE["blue"], alpha=0.2,
                    label="ridge: 25–75 % of repeats")
    ax.plot(counts, view.median, color=PALETTE["blue"], marker="o", markersize=3,
            label=f"ridge λ = {view.lam:.3g}: median")
    ax.plot(counts, view.min_norm_median, color=PALETTE["black"], linestyle="--",
            linewidth=1.2, label="minimum norm (λ = 0): median")
    ax.axvline(view.n_train, color=PALETTE["vermillion"], linestyle=":",
               label=f"interpolation threshold P = n = {view.n_train}")
    ax.axhline(1.0, color=PALETTE["green"], linestyle="-.", linewidth=1.0,
               label="predicting 0 (risk 1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(*RISK_LIMITS)
    label(ax, title=(f"n = {view.n_train}, σ = {view.sigma:.2f}, λ = {view.lam:.3g}: "
                     f"highest median at P = {view.peak_count}"),
          xlabel="number of random features P",
          ylabel="test risk (MSE against the clean target)")
    ax.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    return figure


def build_double_descent_demo(sweeps: Mapping[int, dd.SpectralSweep]) -> Any:
    """Sliders for ``sigma``, ``lambda`` and ``n_train`` over :func:`curve_view`."""
    import ipywidgets as widgets

    from phaselab.widgets.core import linked_figure, log_slider, slider

    sizes = sorted(int(n) for n in sweeps)
    controls = {
        "sigma": slider("noise σ", value=0.5, low=0.0, high=1.5, step=0.05),
        "lam": log_slider("ridge λ", value=1e-8, low=-8.0, high=1.0, step=0.25),
        "n_train": widgets.SelectionSlider(
            options=sizes, value=100 if 100 in sizes else sizes[0],
            description="n_train", continuous_update=False,
            style={"description_width": "initial"},
        ),
    }

    def draw(sigma: float, lam: float, n_train: int) -> Any:
        return render(curve_view(sweeps, sigma, lam, n_train))

    return linked_figure(
        controls, draw,
        description=("Median test risk over repeats as the number of random features grows. "
                     "λ at its minimum is practically the minimum-norm fit."),
    )
