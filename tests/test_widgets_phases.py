"""Tests of the regime explorer's pure compute function and its figure."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from phaselab import phases
from phaselab.widgets import phases as explorer

REPO = Path(__file__).resolve().parent.parent


def _run(heldout: list[float], train: list[float]) -> dict[str, np.ndarray]:
    steps = np.arange(1, len(heldout) + 1, dtype=float)
    return {"step": steps, "train_loss": np.array(train), "heldout_loss": np.array(heldout),
            "heldout_now": np.array(heldout)}


def _toy_grid() -> phases.RegimeGrid:
    """A hand-made grid: 4x data helps a lot, 2x parameters hurts, 4x batch changes nothing."""
    runs = {
        (8, 128, 2, 0.01): _run([1.0, 0.8, 0.9], [1.0, 0.6, 0.4]),
        (8, 512, 2, 0.01): _run([1.0, 0.7, 0.72], [1.0, 0.65, 0.6]),
        (16, 128, 2, 0.01): _run([1.0, 0.85, 1.2], [1.0, 0.5, 0.2]),
        (8, 128, 8, 0.01): _run([1.0, 0.8, 0.85], [1.0, 0.6, 0.5]),
    }
    levels = {"n_params": (8, 16), "n_train": (128, 512), "batch_size": (2, 8),
              "learning_rate": (0.01,)}
    return phases.RegimeGrid(runs, levels)


@pytest.fixture(scope="module")
def shipped_grid() -> phases.RegimeGrid:
    import os

    old = os.environ.get("PHASELAB_DATA")
    os.environ["PHASELAB_DATA"] = str(REPO / "data")
    try:
        return phases.load_regime_grid()
    finally:
        if old is None:
            del os.environ["PHASELAB_DATA"]
        else:
            os.environ["PHASELAB_DATA"] = old


def test_best_checkpoint_is_early_stopping() -> None:
    index, heldout, train = explorer.best_checkpoint(_run([1.0, 0.8, 0.9], [1.0, 0.6, 0.4]))
    assert (index, heldout, train) == (1, 0.8, 0.6)


def test_state_of_a_toy_grid() -> None:
    state = explorer.explorer_state(_toy_grid(), 8, 128, 2, 0.01)
    observation = state["observation"]
    assert observation["more_data"] == pytest.approx(0.7 - 0.8)
    assert observation["more_params"] == pytest.approx(0.85 - 0.8)
    assert observation["bigger_batch"] == pytest.approx(0.0)
    assert observation["gap"] == pytest.approx(0.8 - 0.6)
    assert state["regime"] == "data-limited"
    assert state["advice"] == phases.ADVICE["data-limited"]
    assert state["capacity_floor"] == pytest.approx(phases.capacity_floor(8))
    assert state["irreducible"] == pytest.approx(0.5)


def test_missing_neighbours_are_not_tried() -> None:
    state = explorer.explorer_state(_toy_grid(), 8, 512, 2, 0.01)
    assert all(math.isnan(state["observation"][name])
               for name in ("more_data", "more_params", "bigger_batch"))
    assert state["regime"] in phases.REGIMES


def test_unknown_setting_raises() -> None:
    with pytest.raises(KeyError, match="no precomputed run"):
        explorer.explorer_state(_toy_grid(), 4, 128, 2, 0.01)


@pytest.mark.parametrize("setting, regime", [
    ((64, 128, 32, 0.003), "data-limited"),
    ((4, 2048, 32, 0.01), "capacity-limited"),
    ((32, 2048, 2, 0.03), "optimizer-noise-limited"),
    ((8, 128, 32, 0.01), "compute-optimal"),
])
def test_shipped_grid_shows_every_regime(shipped_grid: phases.RegimeGrid, setting: tuple,
                                         regime: str) -> None:
    assert explorer.explorer_state(shipped_grid, *setting)["regime"] == regime


def test_every_shipped_setting_gets_a_diagnosis(shipped_grid: phases.RegimeGrid) -> None:
    seen = set()
    for key in shipped_grid.runs:
        state = explorer.explorer_state(shipped_grid, *key)
        assert state["regime"] in phases.REGIMES
        assert state["best_heldout"] >= state["capacity_floor"] - 1e-3
        seen.add(state["regime"])
    assert {"data-limited", "capacity-limited", "optimizer-noise-limited",
            "compute-optimal"} <= seen


def test_compute_is_fast(shipped_grid: phases.RegimeGrid) -> None:
    explorer.explorer_state(shipped_grid, 32, 512, 8, 0.01)
    start = time.perf_counter()
    for _ in range(20):
        explorer.explorer_state(shipped_grid, 32, 512, 8, 0.01)
    assert (time.perf_counter() - start) / 20 < 0.05


def test_render_labels_everything(shipped_grid: phases.RegimeGrid) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = explorer.render_explorer(shipped_grid, 64, 8192, 128, 0.03)
    try:
        curves, bars = figure.axes
        assert curves.get_title() and curves.get_xlabel() and curves.get_ylabel()
        assert bars.get_title().startswith("Diagnosis: ")
        assert curves.get_xscale() == "log"
        assert curves.get_legend() is not None
    finally:
        plt.close(figure)


def test_build_wires_four_sliders(shipped_grid: phases.RegimeGrid) -> None:
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    box = explorer.build_explorer(shipped_grid)
    sliders = box.children[1].children
    assert [slider.description for slider in sliders] == [
        "parameters N", "examples D", "batch B", "learning rate"]
    assert list(sliders[0].options) == list(shipped_grid.levels["n_params"])
    sliders[0].value = 4  # redraws through the pure function without error
    assert sliders[0].value == 4
