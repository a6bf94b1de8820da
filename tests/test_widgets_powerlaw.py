"""The lesson-00 power-law demo: its pure view function and its wiring."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from phaselab.widgets import powerlaw  # noqa: E402


def test_view_without_floor_is_the_pure_power_law() -> None:
    view = powerlaw.powerlaw_view(exponent=0.5, floor=0.0, scale=2.0)
    np.testing.assert_allclose(view["with_floor"], view["pure"])
    np.testing.assert_allclose(view["slope"], -0.5)
    assert view["half_way"] is None


def test_view_with_floor_marks_where_the_reducible_part_equals_the_floor() -> None:
    view = powerlaw.powerlaw_view(exponent=0.5, floor=1.0, scale=4.0)
    assert view["half_way"] == pytest.approx(16.0)
    assert np.all(view["with_floor"] > 1.0)
    assert view["slope"][-1] > -0.01


def test_render_labels_both_panels() -> None:
    figure = powerlaw.render(0.3, 1.7, 5.0)
    for ax in figure.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None


def test_moving_a_slider_redraws_the_figure() -> None:
    box = powerlaw.build()
    sliders = [w for w in box.children[-2].children]
    assert [s.description for s in sliders] == ["exponent α", "floor E", "scale c"]
    before = bytes(box.image.value)
    assert before.startswith(b"\x89PNG")
    for slider in sliders:
        previous = bytes(box.image.value)
        slider.value = slider.max
        assert bytes(box.image.value) != previous, f"{slider.description} did not redraw"
