"""Power-law basics of phaselab.scaling (lesson 00)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab.scaling import fit_power_law, local_slope, power_law, power_law_with_floor

scales = st.floats(min_value=1e-3, max_value=1e3)
exponents = st.floats(min_value=-2.0, max_value=2.0)


@given(scales, exponents, st.floats(min_value=1.1, max_value=100.0))
@settings(max_examples=80, deadline=None)
def test_multiplying_x_multiplies_y_by_a_fixed_factor(scale, exponent, factor) -> None:
    x = np.logspace(0, 5, 7)
    ratio = power_law(factor * x, scale, exponent) / power_law(x, scale, exponent)
    np.testing.assert_allclose(ratio, factor ** -exponent, rtol=1e-10)


@given(scales, exponents)
@settings(max_examples=80, deadline=None)
def test_fit_recovers_exact_power_laws(scale, exponent) -> None:
    x = np.logspace(-1, 4, 11)
    fitted_scale, fitted_exponent = fit_power_law(x, power_law(x, scale, exponent))
    assert fitted_exponent == pytest.approx(exponent, abs=1e-9)
    assert fitted_scale == pytest.approx(scale, rel=1e-8)


def test_fit_is_unbiased_for_multiplicative_noise() -> None:
    rng = np.random.default_rng(0)
    x = np.logspace(0, 6, 200)
    y = 3.0 * x ** -0.4 * np.exp(0.1 * rng.standard_normal(x.size))
    _, exponent = fit_power_law(x, y)
    assert exponent == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("x, y, message", [
    ([1.0, 2.0], [1.0, -1.0], "positive"),
    ([1.0, 1.0], [1.0, 2.0], "distinct"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "equal length"),
])
def test_fit_rejects_bad_input(x, y, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_power_law(x, y)


def test_local_slope_of_a_power_law_with_floor_runs_from_minus_alpha_to_zero() -> None:
    x = np.logspace(-4, 12, 200)
    slope = local_slope(x, power_law_with_floor(x, 5.0, 0.3, floor=1.7))
    assert slope[0] == pytest.approx(-0.3, abs=0.01)
    assert abs(slope[-1]) < 1e-3
    assert np.all(np.diff(slope) > 0)
    np.testing.assert_allclose(local_slope(x, power_law(x, 5.0, 0.3)), -0.3)
