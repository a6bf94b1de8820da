"""Unit tests of phaselab.bnsl: the broken neural scaling law, its slope, its fit and the curve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import bnsl
from phaselab.scaling import power_law_with_floor

slopes = st.floats(min_value=-0.5, max_value=1.5)
changes = st.floats(min_value=-1.0, max_value=3.0)
locations = st.floats(min_value=1e1, max_value=1e6)
sharpnesses = st.floats(min_value=0.05, max_value=2.0)

#: A curve like the lesson's: a slow first segment, a sharp break, then a steep fall.
EXAMPLE = bnsl.OneBreak(a=0.0, b=3.0, c0=0.05, c1=1.3, d1=5e4, f1=0.1)


def test_without_breaks_it_is_a_power_law_with_a_floor():
    x = np.geomspace(1, 1e6, 13)
    assert np.allclose(bnsl.bnsl(x, 0.3, 2.0, 0.4), power_law_with_floor(x, 2.0, 0.4, 0.3))


def test_one_break_matches_the_formula_of_the_paper():
    x = np.geomspace(1e3, 1e7, 9)
    a, b, c0, c1, d1, f1 = EXAMPLE
    direct = a + b * x ** (-c0) * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)
    assert np.allclose(bnsl.one_break(x, EXAMPLE), direct, rtol=1e-12)


def test_two_breaks_multiply_their_factors():
    x = np.geomspace(1, 1e8, 11)
    both = bnsl.bnsl(x, 0.0, 1.0, 0.1, (0.5, -0.3), (1e3, 1e6), (0.2, 0.5))
    first = bnsl.bnsl(x, 0.0, 1.0, 0.1, (0.5,), (1e3,), (0.2,))
    second_factor = (1 + (x / 1e6) ** (1 / 0.5)) ** (0.3 * 0.5)
    assert np.allclose(both, first * second_factor, rtol=1e-12)


def test_very_sharp_breaks_stay_finite():
    x = np.geomspace(1, 1e12, 50)
    y = bnsl.bnsl(x, 0.0, 1.0, 0.2, (2.0,), (1e6,), (1e-3,))
    assert np.all(np.isfinite(y)) and np.all(y > 0)


def test_invalid_breaks_are_rejected():
    with pytest.raises(ValueError):
        bnsl.bnsl([1.0, 2.0], 0.0, 1.0, 0.1, (0.5,), (-1.0,), (0.2,))
    with pytest.raises(ValueError):
        bnsl.bnsl([1.0, 2.0], 0.0, 1.0, 0.1, (0.5, 0.2), (1.0,), (0.2,))
    with pytest.raises(ValueError):
        bnsl.bnsl([1.0, 2.0], 0.0, -1.0, 0.1)


@settings(max_examples=60, deadline=None)
@given(slopes, changes, locations, sharpnesses)
def test_log_slope_is_the_derivative_of_the_reducible_part(c0, c1, d1, f1):
    x = np.geomspace(d1 / 1e3, d1 * 1e3, 25)
    step = 1e-5
    up = bnsl.log_reducible(x * np.exp(step), 1.0, c0, (c1,), (d1,), (f1,))
    down = bnsl.log_reducible(x * np.exp(-step), 1.0, c0, (c1,), (d1,), (f1,))
    numeric = (up - down) / (2 * step)
    assert np.allclose(bnsl.log_slope(x, c0, (c1,), (d1,), (f1,)), numeric, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(slopes, changes, locations, sharpnesses)
def test_the_slope_goes_from_c0_to_c0_plus_c1_through_the_midpoint(c0, c1, d1, f1):
    far_below, at_break, far_above = d1 * np.exp(-40 * f1), d1, d1 * np.exp(40 * f1)
    slope = bnsl.log_slope([far_below, at_break, far_above], c0, (c1,), (d1,), (f1,))
    assert slope == pytest.approx([-c0, -c0 - c1 / 2, -c0 - c1], abs=1e-9)


def test_segments_are_the_asymptotes():
    before, after = bnsl.segments([1.0, 1e12], EXAMPLE)
    law = bnsl.one_break([1.0, 1e12], EXAMPLE)
    assert law[0] == pytest.approx(before[0], rel=1e-6)
    assert law[1] == pytest.approx(after[1], rel=1e-6)


def test_errors():
    assert bnsl.msle([1.0, 3.0], [1.0, 3.0]) == 0.0
    assert bnsl.msle([np.e - 1], [0.0]) == pytest.approx(1.0)
    assert bnsl.msle([-2.0], [1.0]) == np.inf
    assert bnsl.rmsle([2.0, 0.5], [1.0, 1.0]) == pytest.approx(np.log(2))
    assert bnsl.rmsle([0.0], [1.0]) == np.inf


@pytest.mark.parametrize("limit", [0.0, None])
def test_fit_recovers_a_noiseless_law(limit):
    truth = bnsl.OneBreak(a=0.0, b=3.0, c0=0.05, c1=1.3, d1=5e4, f1=0.15)
    x = np.geomspace(5e3, 8e5, 16)
    fitted = bnsl.fit_one_break(x, bnsl.one_break(x, truth), limit=limit)
    assert bnsl.rmsle(bnsl.one_break(x, fitted), bnsl.one_break(x, truth)) < 0.02
    assert fitted.c0 == pytest.approx(truth.c0, abs=0.02)
    assert fitted.c0 + fitted.c1 == pytest.approx(truth.c0 + truth.c1, abs=0.1)
    assert fitted.d1 == pytest.approx(truth.d1, rel=0.3)
    if limit is not None:
        assert fitted.a == limit


def test_fit_keeps_the_limit_non_negative():
    x = np.geomspace(10, 1e4, 12)
    y = bnsl.one_break(x, bnsl.OneBreak(0.0, 1.0, 0.3, 0.5, 300.0, 0.3))
    assert bnsl.fit_one_break(x, y, starts=1).a >= 0.0


def test_fit_rejects_bad_curves():
    with pytest.raises(ValueError):
        bnsl.fit_one_break([1, 2, 3], [3, 2, 1])
    with pytest.raises(ValueError):
        bnsl.fit_one_break(np.arange(1, 8), -np.ones(7))


def test_addition_curve_has_a_break():
    x, y = bnsl.addition_curve()
    assert np.all(np.diff(x) > 0) and x.shape == y.shape and x.size >= 10
    slopes = np.diff(np.log(y)) / np.diff(np.log(x))
    # slow at first, much steeper later: the break the lesson fits
    assert slopes[:3].mean() > -0.2 and slopes[-4:].mean() < -1.0


def test_addition_curve_rejects_unknown_width():
    with pytest.raises(ValueError):
        bnsl.addition_curve(width=7)


def test_lesson_fit_extrapolates_better_than_a_plain_power_law():
    from phaselab.scaling import fit_power_law, power_law

    x, y = bnsl.addition_curve()
    n_fit = 12
    fitted = bnsl.fit_one_break(x[:n_fit], y[:n_fit], limit=0.0)
    table = bnsl.extrapolation_table(
        y, {"bnsl": bnsl.one_break(x, fitted),
            "power law": power_law(x, *fit_power_law(x[:n_fit], y[:n_fit]))}, n_fit)
    assert table["bnsl"][0] < 0.1
    assert table["bnsl"][1] < table["power law"][1] / 2


def test_break_view_is_fast_and_consistent():
    import time

    start = time.perf_counter()
    view = bnsl.break_view(0.1, 1.0, 4.0, 0.3)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.05
    assert set(view) == {"x", "y", "before", "after", "slope"}
    assert view["slope"][0] == pytest.approx(-0.1, abs=1e-3)
    assert view["slope"][-1] == pytest.approx(-1.1, abs=1e-3)


def test_extrapolation_table_needs_points_on_both_sides():
    with pytest.raises(ValueError):
        bnsl.extrapolation_table([1.0, 2.0], {"a": [1.0, 2.0]}, 2)
