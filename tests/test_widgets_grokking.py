"""Tests of the lesson-04 demo: the pure view of the sweep, its figure and the widget wiring."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest

from phaselab import grokking as g
from phaselab.widgets import grokking as demo

matplotlib.use("Agg")


def run(train_acc, val_acc, norm=50.0) -> g.History:
    steps = np.array([0, 10, 100, 1000])
    values = np.asarray(val_acc, dtype=float)
    return g.History(steps=steps, train_acc=np.asarray(train_acc, dtype=float), val_acc=values,
                     train_loss=1 - values, val_loss=2 - values,
                     weight_norm=np.full(4, norm))


@pytest.fixture
def sweep() -> dict[tuple[float, float], g.History]:
    return {
        (0.3, 0.0): run([0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.01]),
        (0.3, 1.0): run([0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.2, 0.96]),
        (0.6, 0.0): run([0.0, 0.5, 1.0, 1.0], [0.0, 0.4, 0.97, 1.0]),
        (0.6, 1.0): run([0.0, 0.2, 0.5, 0.6], [0.0, 0.1, 0.2, 0.3], norm=10.0),
    }


def test_sweep_view_picks_the_nearest_run_and_classifies_the_grid(sweep) -> None:
    view = demo.sweep_view(sweep, 0.35, 0.8)
    assert (view.train_fraction, view.weight_decay) == (0.3, 1.0)
    assert view.phase == "groks"
    assert (view.fit_step, view.grok_step) == (10, 1000)
    assert view.selected == (1, 0)
    names = [[g.PHASES[i] for i in row] for row in view.phase_grid]
    assert names == [["memorises only", "generalises"], ["groks", "never fits"]]
    np.testing.assert_array_equal(view.val_acc, sweep[(0.3, 1.0)].val_acc)


def test_sweep_view_of_a_run_that_never_fits(sweep) -> None:
    view = demo.sweep_view(sweep, 0.6, 1.0)
    assert view.phase == "never fits"
    assert view.fit_step is None and view.grok_step is None
    assert np.all(view.weight_norm == 10.0)


def test_sweep_view_is_fast_on_the_recorded_sweep() -> None:
    recorded = g.load_sweep()
    fraction, decay = sorted(recorded)[len(recorded) // 2]
    demo.sweep_view(recorded, fraction, decay)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        demo.sweep_view(recorded, fraction, decay)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


def test_render_sweep_draws_three_labelled_panels(sweep) -> None:
    import matplotlib.pyplot as plt

    fig = demo.render_sweep(sweep, 0.3, 1.0)
    try:
        axes = fig.get_axes()
        assert len(axes) == 3
        for ax in axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert "groks" in axes[0].get_title()
    finally:
        plt.close(fig)


def test_build_sweep_explorer_redraws_on_change(sweep, monkeypatch) -> None:
    import matplotlib.pyplot as plt

    calls = []

    def record(sweep_arg, train_fraction, weight_decay):
        calls.append((train_fraction, weight_decay))
        return plt.figure()

    monkeypatch.setattr(demo, "render_sweep", record)
    box = demo.build_sweep_explorer(sweep)
    sliders = box.children[1].children
    assert [s.description for s in sliders] == ["training fraction", "weight decay λ"]
    assert calls == [(0.6, 1.0)]  # the values nearest to the fast preset (0.5, 1)
    sliders[0].value = 0.3
    sliders[1].value = 0.0
    assert calls[-2:] == [(0.3, 1.0), (0.3, 0.0)]
