"""Unit tests of phaselab.double_descent (lesson 05)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import double_descent as dd

# ---------------------------------------------------------------------------------------------
# Tasks, features and fits
# ---------------------------------------------------------------------------------------------


def test_make_task_shapes_and_determinism():
    task = dd.make_task(30, n_test=40, input_dim=5, max_features=17, seed=3)
    assert task.x_train.shape == (30, 5)
    assert task.x_test.shape == (40, 5)
    assert task.f_train.shape == task.noise_train.shape == (30,)
    assert task.f_test.shape == (40,)
    assert task.weights.shape == (5, 17)
    again = dd.make_task(30, n_test=40, input_dim=5, max_features=17, seed=3)
    np.testing.assert_array_equal(task.weights, again.weights)
    np.testing.assert_array_equal(task.labels(0.5), task.f_train + 0.5 * task.noise_train)


def test_teacher_has_unit_norm():
    task = dd.make_task(20, n_test=5, input_dim=7, seed=1)
    beta, *_ = np.linalg.lstsq(task.x_train, task.f_train, rcond=None)
    assert np.linalg.norm(beta) == pytest.approx(1.0)


def test_relu_features_by_hand():
    x = np.array([[1.0, -2.0], [0.5, 1.0]])
    w = np.array([[1.0, 0.0, -1.0], [1.0, 2.0, 0.0]])
    expected = np.array([[0.0, 0.0, 0.0], [1.5, 2.0, 0.0]]) / np.sqrt(3)
    np.testing.assert_allclose(dd.relu_features(x, w), expected)


def test_feature_norm_is_order_one_for_any_width():
    task = dd.make_task(200, n_test=1, max_features=2000, seed=0)
    for count in (50, 2000):
        z = dd.relu_features(task.x_train, task.weights[:, :count])
        # E|phi(x)|^2 = E[relu(g)^2] = 1/2 for standard-normal pre-activations
        assert np.mean(np.sum(z**2, axis=1)) == pytest.approx(0.5, rel=0.1)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), columns=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_min_norm_fit_is_the_pseudo_inverse(rows, columns, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((rows, columns))
    y = rng.standard_normal(rows)
    np.testing.assert_allclose(dd.min_norm_fit(z, y), np.linalg.pinv(z) @ y, atol=1e-8)


def test_min_norm_fit_rank_deficient_splits_a_repeated_feature():
    rng = np.random.default_rng(0)
    column = rng.standard_normal(20)
    z = np.stack([column, column], axis=1)
    coefficients = dd.min_norm_fit(z, 3 * column)
    np.testing.assert_allclose(coefficients, [1.5, 1.5])


def test_min_norm_fit_interpolates_when_over_parameterised():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((8, 30))
    y = rng.standard_normal(8)
    a = dd.min_norm_fit(z, y)
    np.testing.assert_allclose(z @ a, y, atol=1e-10)
    # any other interpolant is longer: add a null-space direction
    null = np.linalg.svd(z)[2][-1]
    assert np.linalg.norm(a) < np.linalg.norm(a + 0.1 * null)


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(2, 10), columns=st.integers(2, 10),
       lam=st.floats(1e-4, 1e2), seed=st.integers(0, 10_000))
def test_ridge_fit_matches_the_normal_equations(rows, columns, lam, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((rows, columns))
    y = rng.standard_normal(rows)
    expected = np.linalg.solve(z.T @ z + lam * np.eye(columns), z.T @ y)
    np.testing.assert_allclose(dd.ridge_fit(z, y, lam), expected, rtol=1e-7, atol=1e-10)


def test_ridge_tends_to_min_norm_and_rejects_negative_strength():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((6, 15))
    y = rng.standard_normal(6)
    np.testing.assert_allclose(dd.ridge_fit(z, y, 1e-10), dd.min_norm_fit(z, y), rtol=1e-6)
    with pytest.raises(ValueError):
        dd.ridge_fit(z, y, -1.0)


def test_spectral_gains_cap_and_cutoff():
    s = np.array([[4.0, 1.0, 1e-3, 0.0]])
    np.testing.assert_allclose(dd.spectral_gains(s), [[0.25, 1.0, 1e3, 0.0]])
    lam = 0.01
    assert dd.spectral_gains(s, lam).max() <= 1 / (2 * np.sqrt(lam)) + 1e-12
    assert dd.spectral_gains(np.array([1.0, 1e-14]))[1] == 0.0


def test_test_risk_curve_matches_a_direct_computation():
    task = dd.make_task(30, n_test=50, max_features=80, seed=4)
    y = task.labels(0.5)
    counts = [5, 29, 80]
    curve = dd.test_risk_curve(task.x_train, y, task.x_test, task.f_test, task.weights, counts)
    for count, risk in zip(counts, curve):
        w = task.weights[:, :count]
        a = np.linalg.pinv(dd.relu_features(task.x_train, w)) @ y
        direct = np.mean((dd.relu_features(task.x_test, w) @ a - task.f_test) ** 2)
        assert risk == pytest.approx(direct, rel=1e-6)


def test_peak_feature_count_uses_the_median():
    counts = [10, 50, 100, 200]
    risks = np.array([
        [1.0, 900.0, 5.0, 0.5],  # one wild draw at P = 50
        [1.0, 2.0, 6.0, 0.5],
        [1.0, 2.0, 4.0, 0.5],
    ])
    assert dd.peak_feature_count(counts, risks) == 100
    assert counts[int(np.argmax(risks.mean(axis=0)))] == 50
    with pytest.raises(ValueError):
        dd.peak_feature_count(counts, risks.T)


# ---------------------------------------------------------------------------------------------
# The cached spectral sweep
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep() -> dd.SpectralSweep:
    return dd.build_spectral_sweep(40, (10, 30, 40, 50, 160), repeats=3, seed=5, n_test=200)


def _direct_risk(sweep: dd.SpectralSweep, repeat: int, count: int, sigma: float,
                 lam: float, seed: int) -> float:
    child = np.random.SeedSequence(seed).spawn(sweep.repeats)[repeat]
    task = dd.make_task(sweep.n_train, n_test=sweep.n_test,
                        max_features=max(sweep.feature_counts), seed=child)
    w = task.weights[:, :count]
    a = dd.ridge_fit(dd.relu_features(task.x_train, w), task.labels(sigma), lam)
    return dd.mean_squared_error(dd.relu_features(task.x_test, w) @ a, task.f_test)


@pytest.mark.parametrize("sigma, lam", [(0.0, 0.0), (0.5, 0.0), (0.5, 0.1), (1.2, 3.0)])
def test_sweep_risks_match_explicit_fits(small_sweep, sigma, lam):
    risks = dd.sweep_risks(small_sweep, sigma, lam)
    assert risks.shape == (3, 5)
    for repeat in (0, 2):
        for j, count in enumerate(small_sweep.feature_counts):
            direct = _direct_risk(small_sweep, repeat, count, sigma, lam, seed=5)
            assert risks[repeat, j] == pytest.approx(direct, rel=1e-6, abs=1e-9)


def test_gradient_descent_closed_form_matches_explicit_steps():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((12, 20)) / np.sqrt(20)
    y = rng.standard_normal(12)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    eta = 0.9 / s[0] ** 2
    steps = [0, 1, 7, 40]
    gains = dd.gradient_descent_gains(s, steps, eta)
    for t, column in zip(steps, gains.T):
        np.testing.assert_allclose(vt.T @ (column * (u.T @ y)),
                                   dd.gradient_descent_path(z, y, t, eta), atol=1e-10)


def test_gradient_descent_tends_to_min_norm_and_checks_the_rate():
    s = np.array([2.0, 1.0, 0.1])
    late = dd.gradient_descent_gains(s, [10**9], 0.25)[:, 0]
    np.testing.assert_allclose(late, 1 / s, rtol=1e-9)
    with pytest.raises(ValueError):
        dd.gradient_descent_gains(s, [1], 1.0)


def test_sweep_gd_risks_end_at_the_min_norm_risk(small_sweep):
    paths = dd.sweep_gd_risks(small_sweep, 0.5, [0, 10**14])
    np.testing.assert_allclose(paths[:, :, 1], dd.sweep_risks(small_sweep, 0.5, 0.0), rtol=1e-4)
    start = np.median(paths[:, :, 0])  # the zero function: risk = mean f_test**2, about 1
    assert 0.7 < start < 1.3


def test_min_norm_peak_sits_at_the_threshold_and_ridge_removes_it():
    sweep = dd.build_spectral_sweep(100, (20, 50, 80, 100, 125, 200, 1000), repeats=5, seed=1)
    risks = dd.sweep_risks(sweep, 0.5, 0.0)
    assert dd.peak_feature_count(sweep.feature_counts, risks) == 100
    s_min = np.median(dd.smallest_singular_values(sweep), axis=0)
    assert sweep.feature_counts[int(np.argmin(s_min))] == 100
    ridge = np.median(dd.sweep_risks(sweep, 0.5, 0.1), axis=0)
    assert dd.has_no_peak(ridge)
    assert not dd.has_no_peak(np.median(risks, axis=0))


def test_default_feature_counts_straddle_the_threshold():
    counts = dd.default_feature_counts(100)
    assert 100 in counts and min(counts) == 10 and max(counts) == 2000
    assert list(counts) == sorted(set(counts))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.01, 100.0), min_size=1, max_size=30))
def test_non_increasing_curves_have_no_peak(values):
    assert dd.has_no_peak(sorted(values, reverse=True), tolerance=0.0)


def test_has_no_peak_detects_a_bump():
    assert not dd.has_no_peak([1.0, 0.5, 0.8, 0.3])
    assert dd.has_no_peak([1.0, 0.5, 0.6, 0.3])


def test_interquartile_orders_its_outputs():
    low, mid, high = dd.interquartile(np.arange(12.0).reshape(4, 3))
    assert np.all(low <= mid) and np.all(mid <= high)


# ---------------------------------------------------------------------------------------------
# Theory of minimum-norm least squares
# ---------------------------------------------------------------------------------------------


def test_min_norm_risk_by_hand():
    p = np.array([50, 98, 99, 100, 101, 102, 500])
    risk = dd.min_norm_risk(p, 100, 0.5, 1.0)
    expected = [0.25 * 50 / 49, 0.25 * 98, np.inf, np.inf, np.inf,
                (1 - 100 / 102) + 0.25 * 100, (1 - 0.2) + 0.25 * 100 / 399]
    np.testing.assert_allclose(risk, expected)
    assert float(dd.min_norm_risk(10, 100, 1.0)) == pytest.approx(10 / 89)


@settings(max_examples=40, deadline=None)
@given(gamma=st.floats(0.05, 20.0).filter(lambda g: abs(g - 1) > 0.05),
       sigma=st.floats(0.0, 2.0), r=st.floats(0.1, 3.0))
def test_finite_n_risk_tends_to_the_proportional_limit(gamma, sigma, r):
    n = 200_000
    finite = float(dd.min_norm_risk(round(gamma * n), n, sigma, r))
    limit = float(dd.asymptotic_min_norm_risk(gamma, sigma, r))
    assert finite == pytest.approx(limit, rel=1e-3, abs=1e-9)


def test_asymptotic_risk_is_infinite_at_the_threshold():
    assert np.isinf(dd.asymptotic_min_norm_risk(1.0, 0.5))
    assert dd.asymptotic_min_norm_risk(0.5, 1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("p", [30, 50, 150, 300, 500])
def test_simulation_agrees_with_theory_away_from_the_threshold(p):
    risks = dd.simulate_min_norm_risk(p, 100, 0.5, 1.0, trials=300, seed=p)
    theory = float(dd.min_norm_risk(p, 100, 0.5, 1.0))
    assert np.mean(risks) == pytest.approx(theory, rel=0.06)
    standard_error = np.std(risks) / np.sqrt(risks.size)
    assert abs(np.mean(risks) - theory) < 4 * standard_error + 1e-3 * theory


def test_simulation_is_heavy_tailed_near_the_threshold():
    risks = dd.simulate_min_norm_risk(98, 100, 0.5, 1.0, trials=300, seed=0)
    assert np.mean(risks) > 1.3 * np.median(risks)


# ---------------------------------------------------------------------------------------------
# Sample-wise and epoch-wise
# ---------------------------------------------------------------------------------------------


def test_more_data_can_hurt_and_ridge_fixes_it():
    n_values = [30, 60, 100, 160, 400]
    plain = np.median(dd.samplewise_risks(n_values, 100, repeats=5, seed=2), axis=0)
    assert int(np.argmax(plain)) == 2 and plain[2] > 3 * plain[1]
    ridge = np.median(dd.samplewise_risks(n_values, 100, lam=0.1, repeats=5, seed=2), axis=0)
    assert dd.has_no_peak(ridge)


def test_epochwise_curve_descends_twice():
    steps = np.unique(np.geomspace(1, 1e7, 36).astype(int))
    curve = np.median(dd.epochwise_risks(steps, repeats=5, seed=0), axis=0)
    first_dip = int(np.argmin(curve[:12]))
    bump = first_dip + int(np.argmax(curve[first_dip:20]))
    second_dip = bump + int(np.argmin(curve[bump:]))
    assert curve[bump] > 1.15 * curve[first_dip]
    assert curve[second_dip] < 0.8 * curve[bump]
    assert curve[second_dip] < curve[first_dip]


def test_scale_up_comparison_at_the_threshold():
    sweep = dd.build_spectral_sweep(100, (50, 100, 200), repeats=3, seed=3)
    steps = [10, 10**6]
    comparison = dd.scale_up_comparison(sweep, 0.5, [50, 100], steps)
    base, doubled = comparison[100]
    assert base[-1] > base[0]  # training longer at P = n makes things worse
    assert doubled[-1] < base[-1]  # doubling the model helps there
    below, at_threshold = comparison[50]
    assert at_threshold[-1] > below[-1]  # doubling from n/2 lands on the peak
    with pytest.raises(ValueError):
        dd.scale_up_comparison(sweep, 0.5, [200], steps)


def test_reference_building_blocks_swap_and_restore():
    def mine(*args):
        raise NotImplementedError

    namespace = {"relu_features": mine, "other": 1}
    with dd.reference_building_blocks(namespace):
        assert namespace["relu_features"] is dd.relu_features
        assert namespace["min_norm_fit"] is dd.min_norm_fit
    assert namespace == {"relu_features": mine, "other": 1}
    with pytest.raises(ZeroDivisionError), dd.reference_building_blocks(namespace):
        1 / 0
    assert namespace["relu_features"] is mine and "min_norm_fit" not in namespace
