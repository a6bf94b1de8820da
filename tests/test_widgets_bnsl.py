"""The lesson-06 break explorer: its drawing and its wiring (the view is tested in
``tests/test_bnsl.py``)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from phaselab.widgets import bnsl  # noqa: E402


def test_render_labels_both_panels_and_draws_the_slopes() -> None:
    figure = bnsl.render(0.1, 1.0, 4.0, 0.3)
    left, right = figure.axes
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
    assert left.get_xscale() == "log" and left.get_yscale() == "log"
    levels = sorted(line.get_ydata()[0] for line in right.get_lines()[1:3])
    np.testing.assert_allclose(levels, [-1.1, -0.1])  # -(c0 + c1) and -c0


def test_moving_a_slider_redraws_the_figure() -> None:
    box = bnsl.build()
    sliders = list(box.children[-2].children)
    assert [s.description for s in sliders] == ["first slope c0", "change of slope c1",
                                                "break log10 d1", "sharpness f1"]
    assert bytes(box.image.value).startswith(b"\x89PNG")
    for slider in sliders:
        previous = bytes(box.image.value)
        slider.value = slider.max
        assert bytes(box.image.value) != previous, f"{slider.description} did not redraw"
