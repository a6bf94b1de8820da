"""Tests of the lesson-01 compute-budget explorer (phaselab.widgets.scaling)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from phaselab import scaling as sc
from phaselab.widgets import scaling as ws


@pytest.mark.parametrize("name", list(sc.PARAMETER_SETS))
@pytest.mark.parametrize("compute", [1e19, 5.76e23, 1e26])
def test_budget_view_marks_the_compute_optimal_model(name, compute):
    view = ws.budget_view(compute, name)
    n_opt, d_opt = sc.compute_optimal(compute, sc.PARAMETER_SETS[name])
    assert view.n_opt == pytest.approx(n_opt)
    assert view.d_opt == pytest.approx(d_opt)
    assert view.loss_opt <= view.isoflop_loss.min() + 1e-12
    assert view.rule_of_thumb_size == pytest.approx(np.sqrt(compute / 120))
    assert view.tokens_per_param == pytest.approx(d_opt / n_opt)


def test_budget_view_curves_are_consistent():
    view = ws.budget_view(1e22, "Besiroglu et al. 2024", n_points=50)
    assert view.model_sizes.shape == view.isoflop_loss.shape == (50,)
    assert view.fixed_size_loss.shape == (len(ws.FIXED_SIZES), 50)
    tokens = view.compute_grid[None, :] / (6 * np.array(view.fixed_sizes)[:, None])
    assert np.all(np.isnan(view.fixed_size_loss[tokens < np.array(view.fixed_sizes)[:, None]]))
    finite = np.isfinite(view.fixed_size_loss)
    frontier = np.broadcast_to(view.frontier_loss, view.fixed_size_loss.shape)
    assert np.all(view.fixed_size_loss[finite] >= frontier[finite] - 1e-12)
    assert np.all(np.diff(view.frontier_loss) < 0)


def test_budget_view_rejects_bad_input():
    with pytest.raises(KeyError):
        ws.budget_view(1e21, "Kaplan et al. 2020")
    with pytest.raises(ValueError):
        ws.budget_view(0.0)


def test_budget_view_is_fast():
    ws.budget_view(1e21)
    timings = []
    for exponent in np.linspace(18, 26, 20):
        start = time.perf_counter()
        ws.budget_view(10.0**exponent, "Hoffmann et al. 2022")
        timings.append(time.perf_counter() - start)
    assert np.median(timings) < 0.05


@pytest.mark.parametrize(
    ("value", "text"), [(70e9, "70B"), (1.4e12, "1.4T"), (4e8, "400M"), (12.0, "12")]
)
def test_format_count(value, text):
    assert ws.format_count(value) == text


def test_render_budget_view_draws_two_labelled_panels():
    pytest.importorskip("matplotlib")
    figure = ws.render_budget_view(ws.budget_view(5.76e23))
    left, right = figure.axes
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
        assert ax.get_xscale() == "log"
    assert "32.2B" in " ".join(t.get_text() for t in left.get_legend().get_texts())


def test_power_of_ten_labels():
    assert ws._power_of_ten_label(1e20) == "1e20"
    assert ws._power_of_ten_label(3e20) == ""


def test_build_compute_explorer_wires_the_controls():
    pytest.importorskip("ipywidgets")
    box = ws.build_compute_explorer(compute=1e21)
    controls = box.children[1].children
    slider, switch = controls
    assert slider.value == pytest.approx(1e21)
    assert list(switch.options) == list(sc.PARAMETER_SETS)
    switch.value = "Besiroglu et al. 2024"  # triggers a redraw without error
