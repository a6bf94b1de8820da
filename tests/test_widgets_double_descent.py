"""Unit tests of the lesson-05 demo (phaselab.widgets.double_descent)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from phaselab import double_descent as dd
from phaselab.widgets import double_descent as demo


@pytest.fixture(scope="module")
def sweeps() -> dict[int, dd.SpectralSweep]:
    return demo.build_sweeps((40, 60), repeats=3, seed=1,
                             feature_counts=(10, 30, 40, 50, 60, 80, 300))


def test_curve_view_matches_the_sweep(sweeps):
    view = demo.curve_view(sweeps, 0.5, 0.05, 40)
    risks = dd.sweep_risks(sweeps[40], 0.5, 0.05)
    np.testing.assert_allclose(view.median, np.median(risks, axis=0))
    np.testing.assert_allclose(view.min_norm_median,
                               np.median(dd.sweep_risks(sweeps[40], 0.5, 0.0), axis=0))
    assert np.all(view.low <= view.median) and np.all(view.median <= view.high)
    assert view.feature_counts.shape == view.median.shape == (7,)


def test_min_norm_view_peaks_at_the_threshold(sweeps):
    for n in (40, 60):
        assert demo.curve_view(sweeps, 0.5, 0.0, n).peak_count == n


def test_unknown_training_size_is_an_error(sweeps):
    with pytest.raises(KeyError):
        demo.curve_view(sweeps, 0.5, 0.1, 77)


def test_curve_view_is_fast_on_the_lesson_sized_cache():
    sweeps = {100: dd.build_spectral_sweep(100, repeats=5, seed=0)}
    demo.curve_view(sweeps, 0.5, 0.1, 100)
    timings = []
    for lam in (1e-8, 1e-3, 0.1, 1.0, 5.0):
        start = time.perf_counter()
        demo.curve_view(sweeps, 0.7, lam, 100)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05, f"curve_view took {min(timings) * 1e3:.1f} ms at best"


def test_render_labels_everything(sweeps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = demo.render(demo.curve_view(sweeps, 0.3, 0.01, 60))
    ax = figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() and "risk" in ax.get_ylabel()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.get_legend().get_texts()) >= 4
    plt.close(figure)


def test_demo_builds_and_redraws(sweeps):
    import matplotlib

    matplotlib.use("Agg")
    box = demo.build_double_descent_demo(sweeps)
    controls = box.children[1].children
    sigma, lam, n_train = controls
    assert n_train.options == (40, 60)
    sigma.value = 1.0
    lam.value = 0.1
    n_train.value = 60
    box.refresh()
