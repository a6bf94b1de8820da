"""Unit tests of :mod:`phaselab.emergence` and of the lesson's data files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from phaselab import emergence as em
from tests.conftest import load_data_script

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"

digit_strings = st.text(alphabet="0123456789", max_size=7)
finite = dict(allow_nan=False, allow_infinity=False)


@pytest.fixture
def course_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data readers at the repository's data/ folder."""
    monkeypatch.setenv("PHASELAB_DATA", str(DATA))
    return DATA


# --- metrics on answers ----------------------------------------------------------------------


def test_exact_match_needs_identical_tokens_and_length() -> None:
    scores = em.exact_match(["123", "120", "0123", "12"], ["123", "123", "123", "123"])
    np.testing.assert_array_equal(scores, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(em.exact_match([[1, 2], [3]], [[1, 2], [4]]), [1.0, 0.0])


def test_metrics_refuse_unpaired_answers() -> None:
    with pytest.raises(ValueError, match="pair up"):
        em.exact_match(["1"], ["1", "2"])
    with pytest.raises(ValueError):
        em.token_edit_distance(["1", "2"], ["1"])


def test_per_token_accuracy_divides_by_the_longer_answer() -> None:
    scores = em.per_token_accuracy(["1234", "1204", "123", "12345", "", "9"],
                                   ["1234", "1234", "1234", "1234", "", "1"])
    np.testing.assert_allclose(scores, [1.0, 0.75, 0.75, 0.8, 1.0, 0.0])


@given(st.lists(st.tuples(digit_strings, digit_strings), min_size=1, max_size=8))
def test_per_token_accuracy_is_one_exactly_for_exact_matches(pairs: list) -> None:
    predictions, targets = zip(*pairs)
    accuracy = em.per_token_accuracy(predictions, targets)
    assert np.all((accuracy >= 0) & (accuracy <= 1))
    np.testing.assert_array_equal(accuracy == 1.0, em.exact_match(predictions, targets) == 1.0)


def test_levenshtein_known_values() -> None:
    assert em.levenshtein("kitten", "sitting") == 3
    assert em.levenshtein("234", "1234") == 1
    assert em.levenshtein("", "123") == 3
    assert em.levenshtein([1, 2, 3], [3, 2, 1]) == 2
    np.testing.assert_array_equal(em.token_edit_distance(["1234", "4321"], ["1234", "1234"]),
                                  [0.0, 4.0])


@given(digit_strings, digit_strings, digit_strings)
def test_levenshtein_is_a_metric(a: str, b: str, c: str) -> None:
    d_ab = em.levenshtein(a, b)
    assert d_ab == em.levenshtein(b, a)
    assert (d_ab == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d_ab <= max(len(a), len(b))
    assert em.levenshtein(a, c) <= d_ab + em.levenshtein(b, c)


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_vectorised_edit_distances_agree_with_levenshtein(seed: int, len_p: int,
                                                          len_t: int) -> None:
    rng = np.random.default_rng(seed)
    predicted = rng.integers(0, 3, (20, len_p))
    target = rng.integers(0, 3, (20, len_t))
    expected = [em.levenshtein(p, t) for p, t in zip(predicted.tolist(), target.tolist())]
    np.testing.assert_array_equal(em.edit_distances(predicted, target), expected)


def test_brier_score_limits() -> None:
    probabilities = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(em.brier_score(probabilities, [0, 0, 2]), [0.0, 2.0, 2 / 3])


@given(st.integers(2, 12), st.integers(0, 2**32 - 1))
def test_brier_score_is_between_zero_and_two(classes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(classes), size=5)
    labels = rng.integers(0, classes, 5)
    scores = em.brier_score(probabilities, labels)
    assert np.all((scores >= 0) & (scores <= 2 + 1e-12))
    # Moving mass onto the correct class never makes the score worse.
    sharpened = 0.5 * probabilities
    sharpened[np.arange(5), labels] += 0.5
    assert np.all(em.brier_score(sharpened, labels) <= scores + 1e-12)


def test_brier_score_rejects_bad_shapes_and_labels() -> None:
    with pytest.raises(ValueError):
        em.brier_score(np.ones(3) / 3, [0])
    with pytest.raises(ValueError):
        em.brier_score(np.ones((2, 3)) / 3, [0, 3])
    with pytest.raises(ValueError):
        em.brier_score(np.ones((2, 3)) / 3, [0.0, 1.0])


# --- closed forms ----------------------------------------------------------------------------


def test_expected_exact_match_and_all_wrong() -> None:
    np.testing.assert_allclose(em.expected_exact_match(0.9, 5), 0.9**5)
    np.testing.assert_allclose(em.expected_exact_match([0.5, 1.0], [2, 7]), [0.25, 1.0])
    np.testing.assert_allclose(em.probability_all_wrong(0.5, 3, 10), (7 / 8) ** 10)
    # A per-token accuracy of 0.5 on 10-token answers: 2000 items still see a success.
    assert em.probability_all_wrong(0.5, 10, 2000) < 0.15


@given(st.floats(0.0, 1.0), st.integers(1, 12))
def test_metric_closed_forms_are_consistent(p: float, length: int) -> None:
    exact = em.metric_from_per_token(p, length, "exact match")
    assert exact <= em.metric_from_per_token(p, length, "per-token accuracy") + 1e-15
    edit = em.metric_from_per_token(p, length, "token edit distance")
    assert math.isclose(float(edit), length * (1 - p), abs_tol=1e-12)
    if p > 0:
        likelihood = em.metric_from_per_token(p, length, "log-likelihood")
        assert math.isclose(float(np.exp(likelihood)), float(exact), rel_tol=1e-9)
    brier = em.metric_from_per_token(p, length, "Brier score", vocabulary=10)
    spread = np.full(10, (1 - p) / 9)
    spread[0] = p
    assert math.isclose(float(brier), float(em.brier_score(spread[None], [0])[0]),
                        abs_tol=1e-12)


def test_metric_from_per_token_rejects_unknown_metrics() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        em.metric_from_per_token(0.5, 3, "BLEU")


def test_all_of_subskills_is_a_product() -> None:
    np.testing.assert_allclose(em.all_of_subskills([[0.5, 0.5, 0.5], [1.0, 0.9, 0.8]]),
                               [0.125, 0.72])


# --- threshold model -------------------------------------------------------------------------


@given(st.floats(-20, 20, **finite))
def test_logit_inverts_sigmoid(x: float) -> None:
    p = em.sigmoid(x)
    assume(1e-12 < p < 1 - 1e-12)
    assert math.isclose(float(em.logit(p)), x, rel_tol=1e-6, abs_tol=1e-6)


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(em.sigmoid([-1000.0, 0.0, 1000.0]), [0.0, 0.5, 1.0])


def test_threshold_capability() -> None:
    np.testing.assert_allclose(em.threshold_capability(2.2, 2.2, 0.1), 0.5)
    assert em.threshold_capability(2.0, 2.2, 0.1) > 0.8
    np.testing.assert_array_equal(em.threshold_capability([2.0, 2.2, 2.4], 2.2, 0.0),
                                  [1.0, 0.5, 0.0])
    with pytest.raises(ValueError):
        em.threshold_capability(2.0, 2.2, -0.1)


@given(st.floats(1.0, 4.0), st.floats(0.01, 1.0), st.floats(0.5, 5.0), st.floats(0.5, 5.0))
def test_solve_threshold_recovers_the_model(critical: float, tau: float, loss_1: float,
                                            loss_2: float) -> None:
    assume(abs(loss_1 - loss_2) > 0.05)
    a_1, a_2 = (float(em.threshold_capability(x, critical, tau)) for x in (loss_1, loss_2))
    assume(1e-9 < min(a_1, a_2) and max(a_1, a_2) < 1 - 1e-9)
    found_critical, found_tau = em.solve_threshold(loss_1, a_1, loss_2, a_2)
    assert math.isclose(found_tau, tau, rel_tol=1e-5)
    assert math.isclose(found_critical, critical, rel_tol=1e-5, abs_tol=1e-6)


def test_solve_threshold_worked_example_and_errors() -> None:
    critical, tau = em.solve_threshold(2.4, 0.05, 2.2, 0.5)
    assert math.isclose(critical, 2.2) and math.isclose(tau, 0.2 / math.log(19))
    for bad in [(2.4, 0.0, 2.2, 0.5), (2.4, 0.05, 2.2, 1.0), (2.2, 0.05, 2.4, 0.5),
                (2.3, 0.05, 2.3, 0.5), (2.4, 0.3, 2.2, 0.3)]:
        with pytest.raises(ValueError):
            em.solve_threshold(*bad)


def test_fit_threshold_recovers_noiseless_points() -> None:
    loss = np.linspace(1.5, 3.0, 12)
    critical, tau = em.fit_threshold(loss, em.threshold_capability(loss, 2.2, 0.15))
    assert math.isclose(critical, 2.2, rel_tol=1e-6) and math.isclose(tau, 0.15, rel_tol=1e-6)
    with pytest.raises(ValueError):
        em.fit_threshold(loss, 1 - em.threshold_capability(loss, 2.2, 0.15))


# --- predicting the threshold crossing -------------------------------------------------------


@given(st.floats(0.0, 3.0), st.floats(1e6, 1e12), st.floats(0.05, 1.0), st.floats(0.01, 2.0))
def test_emergence_size_solves_the_loss_law(irreducible: float, scale: float, alpha: float,
                                            gap: float) -> None:
    size = em.emergence_size(irreducible + gap, irreducible, scale, alpha)
    assert math.isclose(float(em.loss_law(size, irreducible, scale, alpha)), irreducible + gap,
                        rel_tol=1e-9)


def test_emergence_size_refuses_unreachable_thresholds() -> None:
    with pytest.raises(ValueError, match="irreducible"):
        em.emergence_size(1.6, 1.7, 1e9, 0.3)
    np.testing.assert_allclose(em.emergence_size(2.2, 1.7, 1e9, 0.5), 4e9)


def test_fit_loss_law_recovers_parameters() -> None:
    size = np.logspace(6, 10, 9)
    loss = em.loss_law(size, 1.7, 3e8, 0.3)
    irreducible, scale, alpha = em.fit_loss_law(size, loss, n_grid=2000)
    assert abs(irreducible - 1.7) < 0.02 and abs(alpha - 0.3) < 0.02
    np.testing.assert_allclose(em.loss_law(size, irreducible, scale, alpha), loss, rtol=2e-3)
    with pytest.raises(ValueError):
        em.fit_loss_law(size[:2], loss[:2])


# --- emergence score -------------------------------------------------------------------------


def test_emergence_score_by_hand() -> None:
    # Steps 0, 0.1, 0.8, 0.1: median squared step (0.01 + 0.01) / 2 -> 0.1.
    scores = [0.0, 0.0, 0.1, 0.9, 1.0]
    assert math.isclose(em.emergence_score([1, 2, 3, 4, 5], scores), 1.0 / 0.1)
    # A falling curve has a negative score; the order of the points does not matter.
    assert math.isclose(em.emergence_score([5, 4, 3, 2, 1], scores), -10.0)
    assert math.isclose(em.emergence_score([3, 1, 5, 2, 4], [0.1, 0.0, 1.0, 0.0, 0.9]), 10.0)


@given(st.integers(2, 30), st.floats(0.01, 10.0))
def test_emergence_score_of_a_straight_ramp_counts_its_steps(n: int, slope: float) -> None:
    x = np.arange(n, dtype=float)
    assert math.isclose(em.emergence_score(x, slope * x), n - 1, rel_tol=1e-9)


def test_emergence_score_edge_cases() -> None:
    assert em.emergence_score([1, 2, 3, 4], [0, 0, 0, 1]) == math.inf
    assert math.isnan(em.emergence_score([1, 2, 3], [0.5, 0.5, 0.5]))
    with pytest.raises(ValueError):
        em.emergence_score([1], [1])


# --- the addition experiment -----------------------------------------------------------------


def test_encoding_of_problems() -> None:
    inputs, answers = em.encode_problems([907, 5], [95, 999], 3)
    assert inputs.shape == (2, 60) and np.all(inputs.sum(axis=1) == 6)
    np.testing.assert_array_equal(answers, [[1, 0, 0, 2], [1, 0, 0, 4]])
    # The first operand's hundreds digit (9) is one-hot in the first block of ten.
    assert inputs[0, 9] == 1.0 and inputs[0, 10 + 0] == 1.0 and inputs[0, 20 + 7] == 1.0


def test_parameter_count_matches_the_initial_weights() -> None:
    params = em.init_mlp(np.random.default_rng(0), 4, 24)
    assert sum(p.size for p in params) == em.count_parameters(4, 24)
    assert em.training_flops(1e9, 2e10) == 1.2e20


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    params = em.init_mlp(rng, 2, 6)
    params = [p + 0.1 * rng.normal(size=p.shape) for p in params]
    inputs, answers = em.encode_problems(*em.sample_problems(rng, 2, 8), 2)
    _, grads = em.loss_and_gradients(params, inputs, answers)
    for which in range(6):
        index = tuple(rng.integers(0, n) for n in params[which].shape)
        shifted = [p.copy() for p in params]
        shifted[which][index] += 1e-6
        up, _ = em.loss_and_gradients(shifted, inputs, answers)
        shifted[which][index] -= 2e-6
        down, _ = em.loss_and_gradients(shifted, inputs, answers)
        assert math.isclose((up - down) / 2e-6, grads[which][index], rel_tol=1e-4,
                            abs_tol=1e-8)


def test_score_answers_on_known_predictions() -> None:
    answers = np.array([[0, 1, 2], [0, 3, 4]])
    log_probs = np.log(np.full((2, 3, 10), 0.01))
    log_probs[0, np.arange(3), answers[0]] = np.log(0.91)   # item 0: all right
    log_probs[1, np.arange(3), [0, 3, 5]] = np.log(0.91)    # item 1: last digit wrong
    scores = em.score_answers(log_probs, answers)
    assert math.isclose(scores["exact_match"], 0.5)
    assert math.isclose(scores["per_digit_accuracy"], 5 / 6)
    assert math.isclose(scores["edit_distance"], 0.5)
    np.testing.assert_allclose(scores["position_accuracy"], [1.0, 1.0, 0.5])
    assert math.isclose(scores["log_likelihood"], (3 * np.log(0.91) + 2 * np.log(0.91)
                                                   + np.log(0.01)) / 2)


def test_training_is_deterministic_and_learns() -> None:
    run = em.AdditionRun(digits=2, width=32, steps=300, seed=3)
    first = em.train_addition(run, [100, 300], n_test=500)
    again = em.train_addition(run, [100, 300], n_test=500)
    assert [r["loss"] for r in first] == [r["loss"] for r in again]
    assert first[1]["loss"] < first[0]["loss"] < np.log(10)
    assert first[1]["per_digit_accuracy"] > 0.5
    assert first[1]["flops"] == 6 * em.count_parameters(2, 32) * 300 * 256
    with pytest.raises(ValueError):
        em.train_addition(run, [400])


# --- data files ------------------------------------------------------------------------------


def test_gpt3_table(course_data: Path) -> None:
    table = em.load_gpt3_arithmetic()
    assert len(table["model"]) == 8
    np.testing.assert_allclose(table["parameters"][[0, -1]], [125e6, 175e9])
    # The 175B row is the few-shot row of Table 3.9.
    few_shot_175b = [100.0, 98.9, 80.4, 94.2, 25.5, 26.8, 9.3, 9.9, 29.2, 21.3]
    np.testing.assert_allclose([table[t][-1] for t in em.GPT3_TASKS], few_shot_175b)
    assert table["checked"][-1] == "table-3.9"
    # 6ND with 300B tokens reproduces the FLOPs Wei et al. list for GPT-3 13B and 175B.
    for flops, params in em.WEI_THRESHOLDS.values():
        model = np.flatnonzero(table["parameters"] == params)[0]
        assert math.isclose(table["flops"][model], flops, rel_tol=0.03)
    for task in em.GPT3_TASKS:
        assert np.all((table[task] >= 0) & (table[task] <= 100))


def test_emergence_sweep_file(course_data: Path) -> None:
    sweep = em.load_emergence_sweep()
    maker = _load_maker()
    rows = len(maker.WIDTHS) * len(maker.SEEDS) * len(maker.EVAL_STEPS)
    assert sweep["loss"].shape == (rows,) and sweep["position_accuracy"].shape == (rows, 5)
    assert len(maker.SEEDS) >= 3
    np.testing.assert_allclose(sweep["flops"], 6 * sweep["parameters"] * sweep["examples"],
                               rtol=1e-6)
    # Exact match is the fraction of answers right at every position at once.
    assert np.all(sweep["exact_match"] <= sweep["position_accuracy"].min(axis=1) + 1e-9)
    np.testing.assert_allclose(sweep["per_digit_accuracy"],
                               sweep["position_accuracy"].mean(axis=1), atol=1e-6)


def _load_maker():
    return load_data_script("make_emergence_sweep")


def test_sweep_script_reproduces_part_of_the_file() -> None:
    problems = _load_maker().check()
    assert problems == []
