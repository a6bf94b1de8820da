"""Regime explorer: which of model size, data, batch or learning rate limits a small run?

The explorer reads precomputed SGD runs on linear regression (``data/phases_regimes.csv``, see
:mod:`phaselab.phases`): a model with ``n_params`` features trained on ``n_train`` examples with
a batch size and a learning rate. For the chosen run it draws the training and held-out curves
and runs the lesson's three experiments on the grid itself -- the same run with 4x the data,
2x the parameters, 4x the batch -- then names the limiting regime with
:func:`phaselab.phases.diagnose_regime`. :func:`explorer_state` computes everything;
:func:`build_explorer` only wires the controls to a figure.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from phaselab.phases import (
    ADVICE,
    LABEL_NOISE_VAR,
    RegimeGrid,
    capacity_floor,
    diagnose_regime,
)

#: The explorer's thresholds: its losses are smaller than a language model's, so are they.
EXPLORER_HELPS = 0.01
EXPLORER_LARGE_GAP = 0.1
#: How each experiment changes the run (factor on one setting).
EXPERIMENT_FACTORS: dict[str, tuple[str, int]] = {
    "more_data": ("n_train", 4),
    "more_params": ("n_params", 2),
    "bigger_batch": ("batch_size", 4),
}
EXPERIMENT_LABELS: dict[str, str] = {
    "more_data": "4x data",
    "more_params": "2x parameters",
    "bigger_batch": "4x batch",
}


def best_checkpoint(run: dict[str, np.ndarray]) -> tuple[int, float, float]:
    """Index, held-out and training loss of the checkpoint with the lowest held-out loss.

    Keeping the best checkpoint (early stopping) is what one does in practice; it also keeps
    the comparison between runs from rewarding or punishing overfitting that stopping removes.
    """
    index = int(np.argmin(run["heldout_loss"]))
    return index, float(run["heldout_loss"][index]), float(run["train_loss"][index])


def explorer_state(grid: RegimeGrid, n_params: int, n_train: int, batch_size: int,
                   learning_rate: float) -> dict[str, Any]:
    """Everything the explorer shows for one run of the grid.

    Parameters
    ----------
    grid
        The precomputed runs (:func:`phaselab.phases.load_regime_grid`).
    n_params, n_train, batch_size, learning_rate
        The run; each must be one of ``grid.levels``.

    Returns
    -------
    dict
        ``run`` (its arrays), ``best_index``, ``best_heldout``, ``best_train``;
        ``observation`` (the three experiments' changes in best held-out loss, NaN where the
        grid has no such run, and the gap at the best checkpoint); ``regime`` and ``advice``;
        ``capacity_floor`` (the lowest held-out loss this model size allows) and
        ``irreducible`` (half the label-noise variance).

    Raises
    ------
    KeyError
        If the grid has no run with these settings.
    """
    setting = {"n_params": int(n_params), "n_train": int(n_train),
               "batch_size": int(batch_size), "learning_rate": float(learning_rate)}
    key = (setting["n_params"], setting["n_train"], setting["batch_size"],
           setting["learning_rate"])
    if key not in grid.runs:
        raise KeyError(f"no precomputed run with {setting}")
    run = grid.runs[key]
    index, heldout, train = best_checkpoint(run)
    observation: dict[str, float] = {"gap": heldout - train}
    for experiment, (name, factor) in EXPERIMENT_FACTORS.items():
        changed = dict(setting, **{name: setting[name] * factor})
        other = grid.runs.get((changed["n_params"], changed["n_train"], changed["batch_size"],
                               changed["learning_rate"]))
        observation[experiment] = math.nan if other is None else best_checkpoint(other)[1] - heldout
    regime = diagnose_regime(observation, helps=EXPLORER_HELPS, large_gap=EXPLORER_LARGE_GAP)
    return {
        "run": run, "best_index": index, "best_heldout": heldout, "best_train": train,
        "observation": observation, "regime": regime, "advice": ADVICE[regime],
        "capacity_floor": capacity_floor(setting["n_params"]),
        "irreducible": 0.5 * LABEL_NOISE_VAR,
    }


def render_explorer(grid: RegimeGrid, n_params: int, n_train: int, batch_size: int,
                    learning_rate: float) -> Any:
    """Draw the run's curves (left) and the three experiments (right)."""
    import matplotlib.pyplot as plt

    from phaselab.plots import PALETTE, course_rc, label

    state = explorer_state(grid, n_params, n_train, batch_size, learning_rate)
    run = state["run"]
    with plt.rc_context(course_rc()):
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2),
                                             gridspec_kw={"width_ratios": [1.6, 1]})
        left.plot(run["step"], run["heldout_now"], color=PALETTE["orange"], alpha=0.35,
                  linewidth=1, label="held-out, at the step")
        left.plot(run["step"], run["heldout_loss"], color=PALETTE["orange"], linewidth=2,
                  label="held-out (window average)")
        left.plot(run["step"], run["train_loss"], color=PALETTE["blue"], linewidth=2,
                  linestyle="--", label="training (window average)")
        left.plot(run["step"][state["best_index"]], state["best_heldout"], "o",
                  color=PALETTE["vermillion"], label="best checkpoint")
        left.axhline(state["capacity_floor"], color=PALETTE["green"], linestyle="-.",
                     linewidth=1.2, label=f"best possible with {n_params} parameters")
        left.axhline(state["irreducible"], color=PALETTE["black"], linestyle=":",
                     linewidth=1.2, label="irreducible (label noise)")
        left.set_xscale("log")
        top = max(1.05, float(np.max(run["heldout_loss"][1:])) + 0.02)
        left.set_ylim(state["irreducible"] - 0.05, min(top, 1.6))
        label(left, title=(f"N = {n_params} parameters, D = {n_train} examples, "
                           f"B = {batch_size}, lr = {learning_rate:g}"),
              xlabel="SGD step (log scale)", ylabel="loss (half squared error)")
        left.legend(fontsize=7.5, loc="upper right")

        names = list(EXPERIMENT_FACTORS)
        changes = [state["observation"][name] for name in names]
        shown = [0.0 if math.isnan(change) else change for change in changes]
        colors = [PALETTE["green"] if change <= -EXPLORER_HELPS else PALETTE["sky"]
                  for change in shown]
        positions = np.arange(len(names))
        right.barh(positions, shown, color=colors)
        span = max(0.05, 1.35 * max(abs(value) for value in shown))
        for position, change in zip(positions, changes):
            if math.isnan(change):
                right.text(0.0, position, "not in the grid", ha="center", va="center",
                           fontsize=8)
            else:
                pad = 0.02 * span if change >= 0 else -0.02 * span
                right.text(change + pad, position, f"{change:+.3f}", va="center", fontsize=8,
                           ha="left" if change >= 0 else "right")
        right.axvline(-EXPLORER_HELPS, color=PALETTE["black"], linestyle=":", linewidth=1,
                      label=f"helps: at least {EXPLORER_HELPS} lower")
        right.axvline(0.0, color=PALETTE["black"], linewidth=0.8)
        right.set_yticks(positions, [EXPERIMENT_LABELS[name] for name in names])
        right.set_xlim(-span, span)
        label(right, title=f"Diagnosis: {state['regime']}",
              xlabel="change in best held-out loss", ylabel="experiment")
        right.legend(fontsize=7.5, loc="lower right")
        note = (f"Gap (held-out - training) at the best checkpoint: "
                f"{state['observation']['gap']:+.3f}. What to do: {state['advice']}.")
        figure.text(0.5, -0.03, textwrap.fill(note, 130), ha="center", va="top", fontsize=9)
        figure.tight_layout()
    return figure


def build_explorer(grid: RegimeGrid | None = None) -> Any:
    """The regime explorer: sliders for model size, data, batch size and learning rate."""
    import ipywidgets as widgets

    from phaselab.phases import load_regime_grid
    from phaselab.widgets.core import linked_figure

    grid = load_regime_grid() if grid is None else grid

    def choice(description: str, name: str, value: Any) -> Any:
        return widgets.SelectionSlider(options=list(grid.levels[name]), value=value,
                                       description=description, continuous_update=False,
                                       style={"description_width": "initial"})

    controls = {
        "n_params": choice("parameters N", "n_params", 32),
        "n_train": choice("examples D", "n_train", 512),
        "batch_size": choice("batch B", "batch_size", 8),
        "learning_rate": choice("learning rate", "learning_rate", 0.01),
    }

    def render(**values: Any) -> Any:
        return render_explorer(grid, **values)

    return linked_figure(
        controls, render,
        description=("Each setting is a real SGD run on linear regression, precomputed. "
                     "The right panel compares it with its neighbours in the grid and names "
                     "the regime by the lesson's rules (a change helps if it lowers the best "
                     f"held-out loss by at least {EXPLORER_HELPS})."),
    )
