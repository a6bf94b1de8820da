"""Compute-budget explorer for lesson 01 (scaling laws).

Pick a training budget ``C`` on a log slider and a published parameter set of the Chinchilla
law. The left panel shows the loss of every model size trained with that budget (an IsoFLOP
profile) and marks the compute-optimal model; the right panel shows loss against compute for a
few fixed model sizes together with the compute-optimal frontier.

:func:`budget_view` does all the computing (pure, fast, unit-tested); :func:`render_budget_view`
draws a view; :func:`build_compute_explorer` wires the controls to the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from phaselab import scaling

#: Model sizes drawn as loss-against-compute curves (parameters).
FIXED_SIZES: tuple[float, ...] = (1e9, 7e9, 70e9, 175e9)
#: Slider range of the budget, as powers of ten of FLOPs.
LOG10_COMPUTE_RANGE: tuple[float, float] = (18.0, 26.0)
#: Model sizes shown on the IsoFLOP panel (parameters).
MODEL_SIZE_RANGE: tuple[float, float] = (1e7, 1e13)
#: The ratio behind the popular rule of thumb, for comparison with the fitted optimum.
RULE_OF_THUMB_TOKENS_PER_PARAM = 20.0
#: Colours of the fixed-size curves (the optimum and the frontier are vermillion).
_FIXED_SIZE_COLORS = ("#E69F00", "#009E73", "#56B4E9", "#CC79A7")


@dataclass(frozen=True)
class BudgetView:
    """Everything the explorer draws for one budget and one parameter set."""

    compute: float
    parameter_set: str
    params: scaling.ChinchillaParams
    model_sizes: NDArray[np.float64]
    isoflop_loss: NDArray[np.float64]
    n_opt: float
    d_opt: float
    loss_opt: float
    rule_of_thumb_size: float
    rule_of_thumb_loss: float
    compute_grid: NDArray[np.float64]
    frontier_loss: NDArray[np.float64]
    fixed_sizes: tuple[float, ...]
    fixed_size_loss: NDArray[np.float64]
    fixed_size_loss_at_budget: NDArray[np.float64]

    @property
    def tokens_per_param(self) -> float:
        """Compute-optimal tokens per parameter at this budget."""
        return self.d_opt / self.n_opt


def budget_view(
    compute: float,
    parameter_set: str = "Hoffmann et al. 2022",
    *,
    n_points: int = 160,
    fixed_sizes: tuple[float, ...] = FIXED_SIZES,
) -> BudgetView:
    """Compute the curves and markers of the explorer (pure function of its inputs).

    Parameters
    ----------
    compute
        Training budget in FLOPs.
    parameter_set
        A key of :data:`phaselab.scaling.PARAMETER_SETS`.
    n_points
        Points per curve.
    fixed_sizes
        Model sizes of the loss-against-compute curves.

    Returns
    -------
    BudgetView
        Curves as arrays. ``fixed_size_loss`` is NaN where a model would see fewer tokens than
        it has parameters: nobody trains that far from the optimum.

    Raises
    ------
    KeyError
        If ``parameter_set`` is not a known parameter set.
    ValueError
        If ``compute`` is not positive.
    """
    if not compute > 0:
        raise ValueError("the budget must be a positive number of FLOPs")
    params = scaling.PARAMETER_SETS[parameter_set]
    sizes = np.geomspace(*MODEL_SIZE_RANGE, n_points)
    isoflop = scaling.isoflop_loss(compute, sizes, params)
    n_opt, d_opt = (float(v) for v in scaling.compute_optimal(compute, params))
    thumb = float(scaling.largest_model_for_budget(compute, RULE_OF_THUMB_TOKENS_PER_PARAM))
    grid = np.geomspace(10.0 ** LOG10_COMPUTE_RANGE[0], 10.0 ** LOG10_COMPUTE_RANGE[1], n_points)
    fixed = np.array(fixed_sizes, dtype=np.float64)
    tokens = scaling.tokens_for_budget(grid[None, :], fixed[:, None])
    fixed_loss = np.where(tokens >= fixed[:, None],
                          scaling.chinchilla_loss(fixed[:, None], tokens, params), np.nan)
    at_budget = scaling.isoflop_loss(compute, fixed, params)
    return BudgetView(
        compute=float(compute),
        parameter_set=parameter_set,
        params=params,
        model_sizes=sizes,
        isoflop_loss=isoflop,
        n_opt=n_opt,
        d_opt=d_opt,
        loss_opt=float(scaling.chinchilla_loss(n_opt, d_opt, params)),
        rule_of_thumb_size=thumb,
        rule_of_thumb_loss=float(scaling.isoflop_loss(compute, thumb, params)),
        compute_grid=grid,
        frontier_loss=scaling.compute_optimal_loss(grid, params),
        fixed_sizes=tuple(float(s) for s in fixed),
        fixed_size_loss=fixed_loss,
        fixed_size_loss_at_budget=at_budget,
    )


def format_count(value: float) -> str:
    """Write a parameter or token count the way papers do: ``70B``, ``1.4T``, ``400M``."""
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def render_budget_view(view: BudgetView, *, figure: Any = None) -> Any:
    """Draw a :class:`BudgetView` on a two-panel matplotlib figure and return the figure."""
    from matplotlib.figure import Figure

    from phaselab.plots import LINESTYLES, PALETTE, course_rc

    import matplotlib as mpl

    with mpl.rc_context(course_rc()):
        fig = figure if figure is not None else Figure(figsize=(11.0, 4.2))
        fig.clear()
        left, right = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.92, wspace=0.18)
        floor = view.params.E
        ceiling = floor + 1.9
        colors = [_FIXED_SIZE_COLORS[i % len(_FIXED_SIZE_COLORS)]
                  for i in range(len(view.fixed_sizes))]

        left.plot(view.model_sizes, view.isoflop_loss, color=PALETTE["blue"],
                  label=f"all model sizes at C = {view.compute:.2g} FLOPs")
        for size, loss, color in zip(view.fixed_sizes, view.fixed_size_loss_at_budget, colors):
            if loss < ceiling:
                left.plot(size, loss, "s", color=color, markersize=6,
                          label=f"{format_count(size)} model at this budget")
        left.plot(view.n_opt, view.loss_opt, "o", color=PALETTE["vermillion"], markersize=9,
                  label=(f"optimum: N = {format_count(view.n_opt)}, D = {format_count(view.d_opt)}"
                         f" ({view.tokens_per_param:.0f} tokens/parameter)"))
        left.plot(view.rule_of_thumb_size, view.rule_of_thumb_loss, "^", color=PALETTE["black"],
                  markersize=6,
                  label=f"20 tokens/parameter: {format_count(view.rule_of_thumb_size)}")
        left.axhline(floor, color=PALETTE["black"], linestyle=":", linewidth=1.0,
                     label=f"irreducible loss E = {floor:.2f}")
        left.set_xscale("log")
        left.set_ylim(floor - 0.05, ceiling)
        left.set_title(f"IsoFLOP profile ({view.parameter_set})")
        left.set_xlabel("model size N (parameters)")
        left.set_ylabel("predicted loss (nats per token)")
        left.legend(fontsize=8, loc="upper right")

        for size, curve, color, style in zip(view.fixed_sizes, view.fixed_size_loss, colors,
                                             LINESTYLES * 2):
            right.plot(view.compute_grid, curve, color=color, linestyle=style,
                       label=f"N = {format_count(size)}")
        right.plot(view.compute_grid, view.frontier_loss, color=PALETTE["vermillion"],
                   linewidth=2.2, label="compute-optimal frontier")
        right.axvline(view.compute, color=PALETTE["black"], linewidth=1.0,
                      label=f"chosen budget ({view.compute:.2g} FLOPs)")
        right.axhline(floor, color=PALETTE["black"], linestyle=":", linewidth=1.0)
        right.set_xscale("log")
        right.set_ylim(floor - 0.05, ceiling)
        right.set_title("Loss against compute for fixed model sizes")
        right.set_xlabel("training compute C (FLOPs)")
        right.set_ylabel("predicted loss (nats per token)")
        right.legend(fontsize=8, loc="upper right")
        major, no_minor_ticks = _make_tick_helpers()
        for ax in (left, right):
            ax.xaxis.set_major_formatter(major)
            # dozens of minor ticks on log axes would cost most of a redraw
            ax.xaxis.set_minor_locator(no_minor_ticks)
    return fig


def _power_of_ten_label(value: float, _position: Any = None) -> str:
    """Tick label ``1e20`` for powers of ten (plain text: much faster to draw than mathtext)."""
    exponent = np.log10(value) if value > 0 else np.nan
    return f"1e{exponent:.0f}" if np.isfinite(exponent) and abs(exponent % 1) < 1e-9 else ""


def _make_tick_helpers() -> tuple[Any, Any]:
    """A plain-text power-of-ten formatter and a locator that draws no minor ticks."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    return FuncFormatter(_power_of_ten_label), NullLocator()


def build_compute_explorer(
    compute: float = 5.76e23, parameter_set: str = "Hoffmann et al. 2022"
) -> Any:
    """Return the explorer widget: a log slider over the budget and a parameter-set switch."""
    import ipywidgets as widgets

    from phaselab.widgets.core import linked_figure, log_slider

    low, high = LOG10_COMPUTE_RANGE
    controls = {
        "compute": log_slider("budget C (FLOPs)", value=compute, low=low, high=high, step=0.05,
                              readout_format=".2e"),
        "parameter_set": widgets.ToggleButtons(
            options=list(scaling.PARAMETER_SETS), value=parameter_set,
            description="fit", style={"description_width": "initial", "button_width": "auto"}),
    }

    def render(compute: float, parameter_set: str) -> Any:
        return render_budget_view(budget_view(compute, parameter_set))

    return linked_figure(
        controls, render,
        description=("Move the budget; switch between the published fits. The red dot is the "
                     "compute-optimal model, the triangle the 20-tokens-per-parameter rule."),
    )
