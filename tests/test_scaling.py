"""Unit tests of the scaling-law part of phaselab.scaling (lesson 01) and of its data set."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import scaling as sc
from tests.conftest import load_data_script
from tests.strategies import chinchilla_params

REPO = Path(__file__).resolve().parent.parent
SWEEP_PATH = REPO / "data" / "scaling_sweep.csv"

budgets = st.floats(min_value=1e15, max_value=1e28)


def load_script():
    return load_data_script("make_scaling_sweep")


# --- compute and the published laws ----------------------------------------------------------


def test_training_flops_is_six_n_d_and_broadcasts():
    assert sc.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    grid = sc.training_flops(np.array([1e9, 2e9])[:, None], np.array([1e10, 2e10, 4e10]))
    assert grid.shape == (2, 3)
    assert grid[1, 2] == pytest.approx(6 * 2e9 * 4e10)


def test_flops_per_parameter_token_add_up():
    assert sc.FORWARD_FLOP_PER_PARAM_TOKEN + sc.BACKWARD_FLOP_PER_PARAM_TOKEN == 6.0


def test_kaplan_law_doubling_model_size():
    ratio = sc.kaplan_loss(2e9, sc.KAPLAN_2020_PARAMS) / sc.kaplan_loss(1e9, sc.KAPLAN_2020_PARAMS)
    assert ratio == pytest.approx(2 ** -0.076)
    assert sc.kaplan_loss(sc.KAPLAN_2020_TOKENS.scale, sc.KAPLAN_2020_TOKENS) == pytest.approx(1.0)


def test_unrounded_hoffmann_parameters_round_to_the_printed_ones():
    unrounded, printed = sc.HOFFMANN_2022_UNROUNDED, sc.HOFFMANN_2022
    assert round(unrounded.E, 2) == printed.E
    assert round(unrounded.alpha, 2) == printed.alpha
    assert abs(unrounded.beta - printed.beta) < 0.005
    assert set(sc.PARAMETER_SETS.values()) == {sc.HOFFMANN_2022, sc.HOFFMANN_2022_UNROUNDED,
                                                 sc.BESIROGLU_2024}


def test_chinchilla_loss_broadcasts_and_tends_to_e():
    sizes, tokens = np.array([1e8, 1e9, 1e10])[:, None], np.array([1e9, 1e10, 1e11, 1e12])
    loss = sc.chinchilla_loss(sizes, tokens)
    assert loss.shape == (3, 4)
    assert sc.chinchilla_loss(1e40, 1e40) == pytest.approx(sc.HOFFMANN_2022.E, abs=1e-6)
    expected = 1.69 + 406.4 / 1e9**0.34 + 410.7 / 2e10**0.28
    assert sc.chinchilla_loss(1e9, 2e10) == pytest.approx(expected)


@given(chinchilla_params, st.floats(min_value=1e6, max_value=1e12),
       st.floats(min_value=1e6, max_value=1e13))
def test_chinchilla_loss_decreases_in_n_and_d(params, n, d):
    base = sc.chinchilla_loss(n, d, params)
    assert base > params.E
    assert sc.chinchilla_loss(2 * n, d, params) < base
    assert sc.chinchilla_loss(n, 2 * d, params) < base


# --- compute-optimal allocation --------------------------------------------------------------


@settings(max_examples=60)
@given(budgets, chinchilla_params)
def test_compute_optimal_spends_the_budget_and_minimises_the_isoflop_loss(compute, params):
    n_opt, d_opt = sc.compute_optimal(compute, params)
    assert 6 * n_opt * d_opt == pytest.approx(compute, rel=1e-9)
    best = sc.isoflop_loss(compute, n_opt, params)
    for factor in (0.8, 1.25):
        assert sc.isoflop_loss(compute, n_opt * factor, params) > best
    a, b = sc.allocation_exponents(params)
    assert a + b == pytest.approx(1.0)


def test_compute_optimal_grows_with_the_allocation_exponents():
    n1, d1 = sc.compute_optimal(1e21, sc.BESIROGLU_2024)
    n2, d2 = sc.compute_optimal(1e23, sc.BESIROGLU_2024)
    a, b = sc.allocation_exponents(sc.BESIROGLU_2024)
    assert n2 / n1 == pytest.approx(100**a)
    assert d2 / d1 == pytest.approx(100**b)


@pytest.mark.parametrize(
    ("params", "n_opt_billions", "ratio"),
    [
        (sc.HOFFMANN_2022, 32.2, 93.0),  # printed values imply ~93 tokens per parameter
        (sc.HOFFMANN_2022_UNROUNDED, 40.4, 59.0),  # ~40B, as in Hoffmann et al.'s Figure 4
        (sc.BESIROGLU_2024, 72.2, 18.4),  # the refit is close to Chinchilla's 70B / 1.4T
    ],
)
def test_published_parameter_sets_at_the_gopher_budget(params, n_opt_billions, ratio):
    n_opt, _ = sc.compute_optimal(5.76e23, params)
    assert n_opt / 1e9 == pytest.approx(n_opt_billions, rel=0.01)
    assert sc.tokens_per_parameter(5.76e23, params) == pytest.approx(ratio, rel=0.01)


def test_allocation_exponent_of_the_printed_fit():
    a, _ = sc.allocation_exponents(sc.HOFFMANN_2022)
    assert a == pytest.approx(0.452, abs=1e-3)
    a, _ = sc.allocation_exponents(sc.BESIROGLU_2024)
    assert a == pytest.approx(0.5126, abs=1e-3)


def test_capability_planning_numbers():
    assert sc.compute_for_model(60e9) == pytest.approx(4.32e23)
    assert sc.largest_model_for_budget(1e23) == pytest.approx(math.sqrt(1e23 / 120))
    assert sc.tokens_for_budget(1e23, 60e9) == pytest.approx(1e23 / 3.6e11)


@given(budgets, st.floats(min_value=1.0, max_value=100.0))
def test_largest_model_inverts_compute_for_model(compute, ratio):
    size = sc.largest_model_for_budget(compute, ratio)
    assert sc.compute_for_model(size, ratio) == pytest.approx(compute, rel=1e-9)


# --- the fitting machinery -------------------------------------------------------------------


def test_huber_is_quadratic_then_linear_and_continuous():
    delta = 0.1
    assert sc.huber(0.05, delta) == pytest.approx(0.5 * 0.05**2)
    assert sc.huber(-0.3, delta) == pytest.approx(delta * (0.3 - delta / 2))
    below, above = sc.huber(delta - 1e-12, delta), sc.huber(delta + 1e-12, delta)
    assert below == pytest.approx(above, abs=1e-12)


@given(chinchilla_params)
def test_log_parameters_round_trip(params):
    back = sc.from_log_params(sc.to_log_params(params))
    np.testing.assert_allclose(back, params, rtol=1e-12)


@given(chinchilla_params, st.floats(min_value=1e6, max_value=1e12),
       st.floats(min_value=1e6, max_value=1e13))
def test_log_sum_exp_prediction_matches_the_law(params, n, d):
    predicted = sc.predicted_log_loss(sc.to_log_params(params), n, d)
    assert predicted == pytest.approx(np.log(sc.chinchilla_loss(n, d, params)), rel=1e-12)


def test_log_sum_exp_prediction_does_not_overflow():
    value = sc.predicted_log_loss([800.0, 1.0, 0.0, 0.1, 0.1], 1e9, 1e10)
    assert np.isfinite(value)
    assert value == pytest.approx(800.0 - 0.1 * np.log(1e9))


def synthetic_runs(params, *, noise=0.0, count=120, seed=0):
    """Runs at Chinchilla-like scales following ``params`` with multiplicative noise."""
    rng = np.random.default_rng(seed)
    n = np.exp(rng.uniform(np.log(5e7), np.log(2e10), count))
    compute = np.exp(rng.uniform(np.log(1e18), np.log(1e22), count))
    d = compute / (6 * n)
    loss = sc.chinchilla_loss(n, d, params) * np.exp(rng.normal(0.0, noise, count))
    return n, d, loss


def test_fit_objective_vanishes_at_the_truth_and_grows_away_from_it():
    n, d, loss = synthetic_runs(sc.BESIROGLU_2024)
    theta = sc.to_log_params(sc.BESIROGLU_2024)
    assert sc.fit_objective(theta, n, d, loss) == pytest.approx(0.0, abs=1e-20)
    assert sc.fit_objective(theta + [0, 0, 0.01, 0, 0], n, d, loss) > 0


def test_grid_fit_is_exact_when_the_truth_is_on_the_grid():
    truth = sc.ChinchillaParams(E=2.0, A=300.0, B=1000.0, alpha=0.45, beta=0.30)
    n, d, loss = synthetic_runs(truth)
    grid = np.round(np.arange(0.2, 0.71, 0.05), 10)
    found, objective = sc.grid_fit(n, d, loss, grid, grid)
    np.testing.assert_allclose(found, truth, rtol=1e-6)
    assert objective < 1e-12


def test_grid_fit_rejects_data_without_positive_solutions():
    n, d, _ = synthetic_runs(sc.HOFFMANN_2022, count=20)
    increasing = 1.0 + 1e-3 * np.log(n)  # loss growing with N: no positive A exists
    with pytest.raises(ValueError):
        sc.grid_fit(n, d, increasing, [0.3], [0.3])


@pytest.mark.parametrize("truth", [sc.HOFFMANN_2022, sc.BESIROGLU_2024])
def test_fit_scaling_law_recovers_published_parameters_from_noisy_runs(truth):
    n, d, loss = synthetic_runs(truth, noise=0.002, count=200, seed=1)
    found = sc.fit_scaling_law(n, d, loss)
    assert found.E == pytest.approx(truth.E, rel=0.02)
    assert found.alpha == pytest.approx(truth.alpha, abs=0.03)
    assert found.beta == pytest.approx(truth.beta, abs=0.03)
    assert sc.fit_objective(sc.to_log_params(found), n, d, loss) <= sc.fit_objective(
        sc.to_log_params(truth), n, d, loss) * 1.0001


def test_fit_scaling_law_validates_its_input():
    with pytest.raises(ValueError):
        sc.fit_scaling_law([1e9, 2e9], [1e10, 2e10], [3.0, 2.9])
    with pytest.raises(ValueError):
        sc.fit_scaling_law(np.ones(6), np.ones(5), np.ones(6))
    with pytest.raises(ValueError):
        sc.fit_scaling_law(-np.ones(6), np.ones(6), np.ones(6))


def test_nelder_mead_finds_the_minimum_of_the_rosenbrock_function():
    def rosenbrock(x):
        return float((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)

    x, value = sc.nelder_mead(rosenbrock, [-1.2, 1.0], step=0.1, max_evaluations=5000)
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-4)
    assert value < 1e-8


# --- IsoFLOP profiles ------------------------------------------------------------------------


def test_isoflop_minimum_of_an_exact_parabola():
    log_n = np.log([1e8, 3e8, 1e9, 3e9, 1e10])
    loss = 2.0 + 0.1 * (log_n - np.log(2e9)) ** 2
    n_opt, loss_opt = sc.isoflop_minimum(np.exp(log_n), loss)
    assert n_opt == pytest.approx(2e9)
    assert loss_opt == pytest.approx(2.0)
    with pytest.raises(ValueError):
        sc.isoflop_minimum(np.exp(log_n), -loss)
    with pytest.raises(ValueError):
        sc.isoflop_minimum([1e8, 1e9], [3.0, 2.5])


def test_isoflop_frontier_recovers_the_allocation_exponent():
    params = sc.BESIROGLU_2024
    budgets = np.geomspace(1e20, 1e23, 5)
    centres, _ = sc.compute_optimal(budgets, params)
    n = (centres[:, None] * np.geomspace(0.25, 4.0, 9)[None, :]).ravel()
    c = np.repeat(budgets, 9)
    d = c / (6 * n)
    compute, n_opt, _ = sc.isoflop_frontier(n, d, sc.chinchilla_loss(n, d, params))
    np.testing.assert_allclose(compute, budgets, rtol=1e-9)
    slope = np.polyfit(np.log(compute), np.log(n_opt), 1)[0]
    assert slope == pytest.approx(sc.allocation_exponents(params)[0], abs=0.01)


# --- the course's sweep ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep():
    return sc.load_scaling_sweep(SWEEP_PATH)


def test_sweep_file_layout(sweep):
    script = load_script()
    assert len(sweep) == len(script.run_plan())
    assert sweep.irreducible_loss == pytest.approx(0.5 * math.log(2 * math.pi * math.e))
    assert set(np.unique(sweep.split)) == {"fit", "holdout"}
    assert np.all(sweep.select("holdout").n_params > sweep.select("fit").n_params.max())
    assert np.all(sweep.loss > sweep.irreducible_loss)
    np.testing.assert_allclose(sweep.compute, 6 * sweep.n_params * sweep.n_examples)
    with pytest.raises(ValueError):
        sweep.select("nonexistent")


def test_fit_of_the_shipped_sweep_recovers_the_known_floor(sweep):
    params = sc.fit_scaling_sweep(sweep)
    assert abs(params.E - sweep.irreducible_loss) <= sweep.fit_tolerance
    assert 0.5 < params.alpha < 1.5 and 0.3 < params.beta < 1.0


def test_fit_of_the_shipped_sweep_predicts_the_held_out_runs(sweep):
    params = sc.fit_scaling_sweep(sweep)
    held_out = sweep.select("holdout")
    predicted = sc.chinchilla_loss(held_out.n_params, held_out.n_examples, params)
    np.testing.assert_allclose(predicted, held_out.loss, rtol=0.005)


def test_sweep_isoflop_profiles_have_interior_optima(sweep):
    fit = sweep.select("fit")
    compute, n_opt, _ = sc.isoflop_frontier(fit.n_params, fit.n_examples, fit.loss)
    assert compute.size >= 5
    assert np.all(np.diff(n_opt) > 0)


def test_data_script_reproduces_the_shipped_file():
    assert load_script().check(SWEEP_PATH) == []


def test_data_script_check_notices_a_changed_file(tmp_path):
    lines = SWEEP_PATH.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("8,128,0,"))
    fields = lines[target].split(",")
    fields[-1] = f"{float(fields[-1]) + 1e-3:.12f}"
    lines[target] = ",".join(fields)
    changed = tmp_path / "scaling_sweep.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = load_script().check(changed, plan=((8, 128, 0), (16, 256, 1)))
    assert any("(8, 128, 0)" in problem for problem in problems)


def test_data_script_floor_matches_the_teacher_noise():
    script = load_script()
    assert script.irreducible_loss(1.0) == pytest.approx(1.4189385332046727)
    teacher = script.make_teacher(n_features=1024)
    assert teacher.tail_signal[0] == pytest.approx(script.SIGNAL_VARIANCE)
    assert np.all(np.diff(teacher.tail_signal) <= 0)
