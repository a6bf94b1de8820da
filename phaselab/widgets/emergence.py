"""Emergent-abilities explorer: one smooth model family, seen through different metrics.

A family of models follows the loss law ``L(N) = L_inf + (N_0 / N) ** alpha``. Each answer
token is right with probability ``p(N) = chance + (1 - chance) * sigmoid((L_c - L(N)) / tau)``
(the threshold model, floored at guessing one of ten digits). The learner picks the answer
length ``k``, the sharpness ``tau`` and the metric, and sees the capability curve turn from a
ramp into a cliff. :func:`explorer_curves` computes everything; :func:`build_explorer` only
wires the controls to a figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phaselab.emergence import (
    METRICS,
    loss_law,
    metric_from_per_token,
    threshold_capability,
)

#: The model family shown by the explorer (illustrative values, loss in nats per token).
FAMILY = {"irreducible": 1.7, "scale": 1e9, "alpha": 0.3, "critical_loss": 3.0}
#: Chance of guessing a token right (one of ten digits).
CHANCE = 0.1
#: Range of model sizes drawn (parameters).
SIZE_RANGE = (1e6, 1e12)
#: Models "actually trained": two per decade, as a benchmark would sample a family.
SAMPLED_PER_DECADE = 2

#: Size of the imagined test set, whose resolution 1/n the exact-match plot marks.
TEST_ITEMS = 2000

#: Axis labels (with units) and whether larger is better, for each metric.
METRIC_AXES: dict[str, tuple[str, bool]] = {
    "exact match": ("exact-match accuracy (fraction of answers)", True),
    "per-token accuracy": ("per-token accuracy (fraction of tokens)", True),
    "token edit distance": ("token edit distance (tokens per answer)", False),
    "log-likelihood": ("log-likelihood of the answer (nats)", True),
    "Brier score": ("Brier score per token (0 = perfect)", False),
}


def per_token_correctness(loss: Any, tau: float) -> np.ndarray:
    """Per-token correctness of the explorer's family at loss ``loss`` (threshold model)."""
    rise = threshold_capability(loss, FAMILY["critical_loss"], tau)
    return CHANCE + (1.0 - CHANCE) * rise


def explorer_curves(answer_length: int, tau: float, metric: str, *,
                    n_points: int = 200) -> dict[str, Any]:
    """Everything the explorer draws for one setting of its controls.

    Parameters
    ----------
    answer_length
        Tokens per answer, ``k >= 1``.
    tau
        Sharpness of the per-token threshold, in nats (smaller is sharper; 0 is a step).
    metric
        One of :data:`phaselab.emergence.METRICS`.
    n_points
        Points of the smooth curves.

    Returns
    -------
    dict
        ``sizes``, ``loss``, ``per_token`` and ``values`` (the metric) on a fine grid;
        ``sampled_sizes`` and ``sampled_values`` at two models per decade, as a benchmark of
        trained models would see the family; ``critical_size`` (where ``L = L_c``); ``ylabel``
        and ``higher_is_better``.
    """
    if answer_length < 1:
        raise ValueError("an answer has at least one token")
    if metric not in METRIC_AXES:
        raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")
    low, high = np.log10(SIZE_RANGE[0]), np.log10(SIZE_RANGE[1])
    sizes = np.logspace(low, high, n_points)
    sampled = np.logspace(low, high, int(round((high - low) * SAMPLED_PER_DECADE)) + 1)
    family = (FAMILY["irreducible"], FAMILY["scale"], FAMILY["alpha"])

    def metric_at(n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        loss = loss_law(n, *family)
        p = per_token_correctness(loss, tau)
        return loss, p, metric_from_per_token(p, answer_length, metric)

    loss, per_token, values = metric_at(sizes)
    _, _, sampled_values = metric_at(sampled)
    gap = FAMILY["critical_loss"] - FAMILY["irreducible"]
    ylabel, higher_is_better = METRIC_AXES[metric]
    return {
        "sizes": sizes, "loss": loss, "per_token": per_token, "values": values,
        "sampled_sizes": sampled, "sampled_values": sampled_values,
        "critical_size": FAMILY["scale"] * gap ** (-1.0 / FAMILY["alpha"]),
        "ylabel": ylabel, "higher_is_better": higher_is_better,
    }


#: Metrics whose values are positive, so that the explorer can show them on a log axis
#: (log-likelihood is negative).
POSITIVE_METRICS: tuple[str, ...] = ("exact match", "per-token accuracy", "token edit distance",
                                     "Brier score")


def render_explorer(answer_length: int, tau: float, metric: str, log_y: bool = False) -> Any:
    """Draw the loss law (left) and the chosen metric (right) for one control setting."""
    import matplotlib.pyplot as plt

    from phaselab.plots import PALETTE, course_rc, label

    curves = explorer_curves(answer_length, tau, metric)
    with plt.rc_context(course_rc()):
        figure, (left, right) = plt.subplots(1, 2, figsize=(10.5, 3.9))
        left.plot(curves["sizes"], curves["loss"], color=PALETTE["blue"], label="loss law L(N)")
        left.axhline(FAMILY["critical_loss"], color=PALETTE["black"], linestyle=":",
                     label=f"threshold L_c = {FAMILY['critical_loss']} nats")
        left.set_xscale("log")
        label(left, title="Pre-training loss falls smoothly", xlabel="parameters N",
              ylabel="loss (nats per token)")
        right.plot(curves["sizes"], curves["values"], color=PALETTE["vermillion"],
                   label=f"{metric}, k = {answer_length}")
        right.plot(curves["sampled_sizes"], curves["sampled_values"], "o",
                   color=PALETTE["vermillion"], markersize=4, label="models trained (2/decade)")
        if metric in ("exact match", "per-token accuracy"):
            right.plot(curves["sizes"], curves["per_token"], color=PALETTE["sky"],
                       linestyle="--", label="per-token correctness p")
        right.axvline(curves["critical_size"], color=PALETTE["black"], linestyle=":",
                      linewidth=1, label="size where L = L_c")
        right.set_xscale("log")
        if log_y and metric in POSITIVE_METRICS:
            right.set_yscale("log")
        elif log_y:
            right.text(0.02, 0.04, f"no log scale: {metric} is negative",
                       transform=right.transAxes, fontsize=8, color=PALETTE["black"])
        if metric == "exact match":
            right.axhline(1.0 / TEST_ITEMS, color=PALETTE["green"], linestyle="-.",
                          linewidth=1, label=f"1/n: resolution of {TEST_ITEMS} test items")
        label(right, title=f"Same models: {metric} (k = {answer_length}, \u03c4 = {tau:.2g})",
              xlabel="parameters N", ylabel=curves["ylabel"])
        right.legend(fontsize=8)
        figure.tight_layout()
    return figure


def build_explorer() -> Any:
    """The explorer: answer length, threshold sharpness, metric and a log-scale switch."""
    import ipywidgets as widgets

    from phaselab.widgets.core import linked_figure, log_slider

    controls = {
        "answer_length": widgets.IntSlider(value=5, min=1, max=12, description="answer length k",
                                           continuous_update=False,
                                           style={"description_width": "initial"}),
        "tau": log_slider("sharpness tau (nats)", value=0.3, low=-2, high=0.5),
        "metric": widgets.Dropdown(options=list(METRICS), value="exact match",
                                   description="metric"),
        "log_y": widgets.Checkbox(value=False, description="log y-axis"),
    }
    return linked_figure(
        controls, render_explorer,
        description="One model family, one smooth loss curve: change the answer length, the "
                    "sharpness of the per-token threshold and the metric.",
    )
