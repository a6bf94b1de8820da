"""Unit tests of phaselab.capstone: the planning arithmetic of lesson 06."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import capstone as cp
from phaselab import scaling as sc
from phaselab.emergence import threshold_capability
from tests.strategies import chinchilla_params

gaps = st.floats(min_value=0.01, max_value=1.0)


@settings(max_examples=80, deadline=None)
@given(chinchilla_params, st.floats(min_value=1e15, max_value=1e28))
def test_frontier_formula_matches_the_compute_optimal_loss(params, budget):
    closed_form = params.E + cp.frontier_coefficient(params) * (budget / 6) ** (
        -cp.frontier_exponent(params))
    assert closed_form == pytest.approx(float(sc.compute_optimal_loss(budget, params)), rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(chinchilla_params, gaps)
def test_compute_to_reach_inverts_the_frontier(params, gap):
    target = params.E + gap
    budget = float(cp.compute_to_reach(target, params))
    if np.isfinite(budget) and 1e-300 < budget < 1e300:
        assert float(sc.compute_optimal_loss(budget, params)) == pytest.approx(target, rel=1e-9)
        assert bool(cp.is_reachable(budget * 1.001, target, params))
        assert not bool(cp.is_reachable(budget * 0.999, target, params))


def test_targets_at_or_below_the_floor_are_never_reached():
    p = sc.BESIROGLU_2024
    assert np.all(np.isinf(cp.compute_to_reach([p.E, p.E - 0.1], p)))
    assert np.all(np.isinf(cp.smallest_model([p.E, p.E - 0.1], p)))
    assert not bool(cp.is_reachable(1e40, p.E, p))


def test_lesson_scenario_numbers():
    p = sc.BESIROGLU_2024
    assert not bool(cp.is_reachable(1e23, 2.0, p))
    needed = float(cp.compute_to_reach(2.0, p))
    assert 2e23 < needed < 3e23
    assert bool(cp.is_reachable(1e23, 2.0, sc.HOFFMANN_2022_UNROUNDED))


@settings(max_examples=80, deadline=None)
@given(chinchilla_params, gaps, st.floats(min_value=1.01, max_value=100.0))
def test_tokens_and_compute_at_size_reach_the_target(params, gap, factor):
    target = params.E + gap
    n_min = float(cp.smallest_model(target, params))
    n_params = n_min * factor
    tokens = float(cp.tokens_to_reach(n_params, target, params))
    if np.isfinite(tokens) and tokens < 1e250 and n_params < 1e250:
        assert float(sc.chinchilla_loss(n_params, tokens, params)) == pytest.approx(target,
                                                                                    rel=1e-8)
        assert float(cp.compute_at_size(n_params, target, params)) == pytest.approx(
            6 * n_params * tokens, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(chinchilla_params, gaps)
def test_smallest_model_is_where_unlimited_data_just_reaches_the_target(params, gap):
    target = params.E + gap
    n_min = float(cp.smallest_model(target, params))
    if 1.0 < n_min < 1e250:
        assert params.E + params.A * n_min ** (-params.alpha) == pytest.approx(target, rel=1e-9)
        assert np.isinf(cp.tokens_to_reach(n_min * 0.999, target, params))


def test_the_compute_optimal_size_needs_the_least_compute():
    p = sc.BESIROGLU_2024
    needed = float(cp.compute_to_reach(2.0, p))
    n_star, _ = sc.compute_optimal(needed, p)
    sizes = n_star * np.geomspace(0.3, 10, 41)
    costs = cp.compute_at_size(sizes, 2.0, p)
    assert costs.min() >= needed * (1 - 1e-9)
    assert float(cp.compute_at_size(n_star, 2.0, p)) == pytest.approx(needed, rel=1e-9)


def test_plan_run_without_and_with_a_cap():
    p = sc.BESIROGLU_2024
    n, d, loss = cp.plan_run(1e23, p)
    n_opt, d_opt = sc.compute_optimal(1e23, p)
    assert (n, d) == pytest.approx((float(n_opt), float(d_opt)), rel=1e-12)
    assert loss == pytest.approx(float(sc.compute_optimal_loss(1e23, p)))
    capped = cp.plan_run(1e23, p, max_params=1e10)
    assert capped[0] == 1e10 and capped[1] == pytest.approx(1e23 / 6e10)
    assert capped[2] > loss
    assert cp.plan_run(1e23, p, max_params=1e12)[:2] == pytest.approx((n, d))


@settings(max_examples=60, deadline=None)
@given(chinchilla_params, gaps, st.floats(min_value=1e-3, max_value=0.05),
       st.floats(min_value=0.02, max_value=0.45), st.floats(min_value=0.55, max_value=0.98))
def test_capability_window_ends_have_the_requested_probabilities(params, gap, tau, low, high):
    target = params.E + gap
    n_params = float(cp.smallest_model(target - 6 * tau, params)) * 3
    if not np.isfinite(n_params) or n_params > 1e200:
        return
    start, end = cp.capability_window(n_params, target, tau, params, low, high)
    assert start < end
    for tokens, level in ((start, low), (end, high)):
        if np.isfinite(tokens) and tokens < 1e250:
            loss = sc.chinchilla_loss(n_params, tokens, params)
            assert float(threshold_capability(loss, target, tau)) == pytest.approx(level,
                                                                                  rel=1e-6)


def test_capability_window_of_a_model_too_small_for_the_end():
    p = sc.BESIROGLU_2024
    n_params = float(cp.smallest_model(1.99, p)) * 1.01  # reaches 1.99 but not 1.99 - 0.05
    start, end = cp.capability_window(n_params, 2.0, 0.01, p)
    assert np.isfinite(start) and np.isinf(end)
    with pytest.raises(ValueError):
        cp.capability_window(n_params, 2.0, 0.0, p)
    with pytest.raises(ValueError):
        cp.capability_window(n_params, 2.0, 0.01, p, low=0.9, high=0.1)


@pytest.mark.parametrize("window", [(3e11, 6e11), (9e11, 2e12), (2e12, 3e12), (1e8, 1e9)])
def test_checkpoint_plan_properties(window):
    total = 1e12
    plan = cp.checkpoint_plan(total, window, n_log=12, n_dense=10)
    assert np.all(np.diff(plan) > 0) and plan[-1] == total and plan[0] > 0
    assert plan.size <= 22
    inside = (plan >= window[0]) & (plan <= min(window[1], total))
    if window[0] < total:
        assert inside.sum() >= 10
    else:
        assert inside.sum() == 0


def test_progress_at_onset():
    jump = np.array([0.0, 0.0, 0.01, 0.05, 0.3, 0.9, 1.0])
    smooth = np.linspace(2.0, 0.0, 7)  # a falling loss
    assert cp.normalised_progress(smooth)[0] == 0.0 and cp.normalised_progress(smooth)[-1] == 1.0
    assert cp.progress_at_onset(smooth, jump, onset=0.1) == pytest.approx(4 / 6)
    assert cp.progress_at_onset(jump, jump, onset=0.1) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        cp.normalised_progress([1.0, 2.0, 1.0])
    with pytest.raises(ValueError):
        cp.progress_at_onset(smooth, jump, onset=1.5)


def test_scale_or_train_longer_reads_the_medians():
    counts = (50, 100, 200, 400)
    risks = np.array([[0.6, 50.0, 0.6, 0.3],
                      [0.7, 80.0, 0.5, 0.35],
                      [0.5, 1e4, 0.7, 0.2]])
    assert cp.scale_or_train_longer(counts, risks, 50) == (cp.TRAIN_LONGER, 0.6, 80.0)
    assert cp.scale_or_train_longer(counts, risks, 100) == (cp.SCALE_UP, 80.0, 0.6)
    assert cp.scale_or_train_longer(counts, risks, 200) == (cp.SCALE_UP, 0.6, 0.3)
    assert cp.scale_or_train_longer(counts, risks, 100, factor=4)[0] == cp.SCALE_UP
