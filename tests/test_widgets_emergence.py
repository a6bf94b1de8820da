"""Tests of the emergent-abilities explorer (:mod:`phaselab.widgets.emergence`)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab.emergence import METRICS, loss_law
from phaselab.widgets import emergence as widget


@given(st.integers(1, 12), st.floats(0.01, 3.0), st.sampled_from(METRICS))
@settings(max_examples=60, deadline=None)
def test_curves_are_monotone_in_the_right_direction(k: int, tau: float, metric: str) -> None:
    curves = widget.explorer_curves(k, tau, metric)
    steps = np.diff(curves["values"])
    if curves["higher_is_better"]:
        assert np.all(steps >= -1e-12)
    else:
        assert np.all(steps <= 1e-12)
    assert np.all(np.diff(curves["loss"]) < 0)
    assert curves["sampled_values"].shape == curves["sampled_sizes"].shape


@given(st.integers(1, 12), st.floats(0.01, 3.0))
@settings(max_examples=40, deadline=None)
def test_exact_match_never_exceeds_per_token_correctness(k: int, tau: float) -> None:
    exact = widget.explorer_curves(k, tau, "exact match")
    assert np.all(exact["values"] <= exact["per_token"] + 1e-15)
    np.testing.assert_allclose(exact["values"], exact["per_token"] ** k)
    assert np.all(exact["per_token"] >= widget.CHANCE - 1e-15)


def test_per_token_correctness_is_half_way_at_the_threshold() -> None:
    p = widget.per_token_correctness(widget.FAMILY["critical_loss"], 0.3)
    np.testing.assert_allclose(p, widget.CHANCE + (1 - widget.CHANCE) / 2)
    curves = widget.explorer_curves(3, 0.3, "exact match")
    family = (widget.FAMILY["irreducible"], widget.FAMILY["scale"], widget.FAMILY["alpha"])
    np.testing.assert_allclose(loss_law(curves["critical_size"], *family),
                               widget.FAMILY["critical_loss"])


def test_longer_answers_and_sharper_thresholds_make_a_later_steeper_rise() -> None:
    def size_at_half(k: int, tau: float) -> float:
        curves = widget.explorer_curves(k, tau, "exact match", n_points=2000)
        return curves["sizes"][np.argmax(curves["values"] >= 0.5 * curves["values"].max())]

    assert size_at_half(10, 0.3) > size_at_half(1, 0.3)
    sharp = widget.explorer_curves(5, 0.03, "exact match")
    smooth = widget.explorer_curves(5, 1.0, "exact match")
    assert np.max(np.diff(sharp["values"])) > 3 * np.max(np.diff(smooth["values"]))


def test_invalid_controls_are_refused() -> None:
    with pytest.raises(ValueError):
        widget.explorer_curves(0, 0.3, "exact match")
    with pytest.raises(ValueError):
        widget.explorer_curves(3, 0.3, "accuracy")


def test_compute_is_fast() -> None:
    widget.explorer_curves(5, 0.3, "exact match")
    start = time.perf_counter()
    for metric in METRICS:
        widget.explorer_curves(8, 0.5, metric)
    per_call = (time.perf_counter() - start) / len(METRICS)
    assert per_call < 0.05


def test_render_labels_everything() -> None:
    import matplotlib

    matplotlib.use("Agg")
    figure = widget.render_explorer(5, 0.3, "exact match", log_y=True)
    left, right = figure.axes
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
    assert right.get_yscale() == "log"
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_the_log_switch_says_why_a_negative_metric_stays_linear() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for metric in METRICS:
        figure = widget.render_explorer(5, 0.3, metric, log_y=True)
        right = figure.axes[1]
        notes = [t.get_text() for t in right.texts]
        if metric in widget.POSITIVE_METRICS:
            assert right.get_yscale() == "log" and notes == []
        else:
            assert right.get_yscale() == "linear" and notes == [f"no log scale: {metric} is "
                                                                "negative"]
        plt.close(figure)


def test_build_explorer_wires_the_controls() -> None:
    import matplotlib

    matplotlib.use("Agg")
    box = widget.build_explorer()
    controls = box.children[1].children
    assert len(controls) == 4
    controls[2].value = "log-likelihood"  # triggers a redraw without error
    box.refresh()
