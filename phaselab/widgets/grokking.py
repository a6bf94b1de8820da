"""Demo of lesson 04: explore the recorded sweep of training fraction x weight decay.

:func:`sweep_view` picks one run of the sweep and classifies every run (pure, fast);
:func:`render_sweep` draws its accuracy curves, its weight norm and the phase map;
:func:`build_sweep_explorer` wires two selection sliders to that figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from phaselab import grokking
from phaselab.plots import PALETTE

#: Colour of each phase on the map (Okabe-Ito), in the order of :data:`grokking.PHASES`.
PHASE_COLORS: dict[str, str] = {
    "never fits": PALETTE["vermillion"],
    "memorises only": PALETTE["orange"],
    "groks": PALETTE["blue"],
    "generalises": PALETTE["green"],
}


@dataclass(frozen=True)
class SweepView:
    """Everything the sweep figure shows for one selected run."""

    train_fraction: float
    weight_decay: float
    steps: NDArray[np.int64]
    train_acc: NDArray[np.float64]
    val_acc: NDArray[np.float64]
    weight_norm: NDArray[np.float64]
    fit_step: int | None
    grok_step: int | None
    phase: str
    fractions: NDArray[np.float64]
    decays: NDArray[np.float64]
    phase_grid: NDArray[np.int64]
    selected: tuple[int, int]


def nearest(values: NDArray[np.float64], value: float) -> float:
    """The entry of ``values`` closest to ``value``."""
    return float(values[int(np.argmin(np.abs(values - value)))])


def sweep_view(
    sweep: Mapping[tuple[float, float], Any], train_fraction: float, weight_decay: float
) -> SweepView:
    """Select the run nearest to ``(train_fraction, weight_decay)`` and classify the sweep.

    Parameters
    ----------
    sweep
        Runs keyed by ``(train_fraction, weight_decay)``, as from
        :func:`phaselab.grokking.load_sweep`.
    train_fraction, weight_decay
        The setting to show; the nearest recorded one is used.
    """
    fractions, decays, phase_grid = grokking.phase_map(sweep)
    fraction = nearest(fractions, train_fraction)
    decay = nearest(decays, weight_decay)
    run = sweep[(fraction, decay)]
    return SweepView(
        train_fraction=fraction,
        weight_decay=decay,
        steps=np.asarray(run["steps"]),
        train_acc=np.asarray(run["train_acc"], dtype=np.float64),
        val_acc=np.asarray(run["val_acc"], dtype=np.float64),
        weight_norm=np.asarray(run["weight_norm"], dtype=np.float64),
        fit_step=grokking.first_step_at_least(run, "train_acc", grokking.TRAIN_THRESHOLD),
        grok_step=grokking.detect_grokking(run),
        phase=grokking.classify_run(run),
        fractions=fractions,
        decays=decays,
        phase_grid=phase_grid,
        selected=(int(np.searchsorted(decays, decay)), int(np.searchsorted(fractions, fraction))),
    )


def render_sweep(
    sweep: Mapping[tuple[float, float], Any], train_fraction: float, weight_decay: float
) -> Any:
    """Draw the selected run's curves and the phase map of the whole sweep."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch, Rectangle

    from phaselab.plots import course_rc, label

    view = sweep_view(sweep, train_fraction, weight_decay)
    with plt.rc_context(course_rc()):
        fig, (ax_acc, ax_norm, ax_map) = plt.subplots(
            1, 3, figsize=(13.5, 4.0), gridspec_kw={"width_ratios": [1.2, 1.0, 1.1]}
        )
        later = view.steps > 0  # step 0 has no place on a log axis
        steps = view.steps[later]
        ax_acc.plot(steps, view.train_acc[later], color=PALETTE["orange"], linestyle="--",
                    label="training")
        ax_acc.plot(steps, view.val_acc[later], color=PALETTE["blue"], label="validation")
        for step, text, color in ((view.fit_step, "train ≥ 99 %", PALETTE["orange"]),
                                  (view.grok_step, "val ≥ 95 %", PALETTE["blue"])):
            if step is not None:
                ax_acc.axvline(max(step, 1), color=color, linestyle=":", linewidth=1.2,
                               label=f"{text} at step {step}")
        ax_acc.set_xscale("log")
        ax_acc.set_ylim(-0.03, 1.03)
        label(ax_acc, title=f"fraction {view.train_fraction:g}, weight decay "
              f"{view.weight_decay:g}: {view.phase}", xlabel="training step (log scale)",
              ylabel="accuracy (fraction)")
        ax_acc.legend(loc="center left", fontsize=8)

        ax_norm.plot(steps, view.weight_norm[later], color=PALETTE["green"],
                     label="all parameters")
        ax_norm.set_xscale("log")
        label(ax_norm, title="Weight norm of the selected run", xlabel="training step (log scale)",
              ylabel="Euclidean norm ‖θ‖ (no unit)")

        colors = ListedColormap(["white", *PHASE_COLORS.values()])
        ax_map.imshow(view.phase_grid + 1, cmap=colors, vmin=0, vmax=len(grokking.PHASES),
                      origin="lower", aspect="auto")
        ax_map.set_xticks(range(view.fractions.size), [f"{f:g}" for f in view.fractions])
        ax_map.set_yticks(range(view.decays.size), [f"{d:g}" for d in view.decays])
        row, column = view.selected
        ax_map.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False,
                                   edgecolor=PALETTE["black"], linewidth=2.5))
        ax_map.grid(False)
        label(ax_map, title="Phase after the budget (box: selected run)",
              xlabel="training fraction of the p² equations", ylabel="weight decay λ",
              legend=False)
        ax_map.legend(handles=[Patch(color=c, label=name) for name, c in PHASE_COLORS.items()],
                      loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8)
        fig.tight_layout()
    return fig


def build_sweep_explorer(sweep: Mapping[tuple[float, float], Any] | None = None) -> Any:
    """Two sliders (training fraction, weight decay) over the recorded sweep and its figure."""
    import ipywidgets as widgets

    from phaselab.widgets.core import linked_figure

    sweep = grokking.load_sweep() if sweep is None else sweep
    fractions, decays, _ = grokking.phase_map(sweep)
    style = {"description_width": "initial"}
    controls = {
        "train_fraction": widgets.SelectionSlider(
            options=[(f"{f:g}", float(f)) for f in fractions],
            value=nearest(fractions, grokking.FAST.train_fraction),
            description="training fraction", continuous_update=False, style=style),
        "weight_decay": widgets.SelectionSlider(
            options=[(f"{d:g}", float(d)) for d in decays],
            value=nearest(decays, grokking.FAST.weight_decay),
            description="weight decay λ", continuous_update=False, style=style),
    }
    return linked_figure(
        controls,
        lambda train_fraction, weight_decay: render_sweep(sweep, train_fraction, weight_decay),
        description="Pick a setting of the sweep: its curves on the left, its place on the "
        "phase map on the right.",
    )
