"""Unit tests of phaselab.phases: entropies, training phases, diagnosis, SGD noise, regime runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import phases
from tests.conftest import load_data_script

REPO = Path(__file__).resolve().parent.parent
NAN = float("nan")


@pytest.fixture(scope="module")
def source() -> phases.MarkovSource:
    return phases.markov_source(vocab_size=32, seed=0)


# ---------------------------------------------------------------------------------------------
# Markov source and entropies
# ---------------------------------------------------------------------------------------------


def test_lesson_source_levels(source: phases.MarkovSource) -> None:
    levels = phases.source_entropies(*source)
    assert levels.log_vocab == pytest.approx(math.log(32))
    assert levels.unigram == pytest.approx(2.7914, abs=1e-3)
    assert levels.bigram == pytest.approx(1.5699, abs=1e-3)


@settings(max_examples=30, deadline=None)
@given(vocab=st.integers(2, 40), concentration=st.floats(0.05, 5.0),
       zipf=st.floats(0.0, 2.0), seed=st.integers(0, 10_000))
def test_source_is_a_stationary_chain_with_ordered_entropies(vocab: int, concentration: float,
                                                              zipf: float, seed: int) -> None:
    pi, transition = phases.markov_source(vocab, concentration=concentration,
                                          zipf_exponent=zipf, seed=seed)
    np.testing.assert_allclose(transition.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(pi @ transition, pi, atol=1e-10)
    assert pi.sum() == pytest.approx(1.0) and (pi >= 0).all()
    levels = phases.source_entropies(pi, transition)
    assert levels.log_vocab + 1e-12 >= levels.unigram >= levels.bigram - 1e-12 >= -1e-12


def test_entropy_handles_zeros() -> None:
    assert phases.entropy([1.0, 0.0, 0.0]) == 0.0
    assert phases.entropy([0.5, 0.5, 0.0]) == pytest.approx(math.log(2))
    cycle = np.roll(np.eye(4), 1, axis=1)
    assert phases.conditional_entropy(np.full(4, 0.25), cycle) == 0.0


def test_two_state_chain_by_hand() -> None:
    transition = np.array([[0.9, 0.1], [0.5, 0.5]])
    pi = phases.stationary_distribution(transition)
    np.testing.assert_allclose(pi, [5 / 6, 1 / 6])
    expected = 5 / 6 * -(0.9 * math.log(0.9) + 0.1 * math.log(0.1)) + 1 / 6 * math.log(2)
    assert phases.conditional_entropy(pi, transition) == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Cross-entropy of a model
# ---------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-1e3, 1e3), scale=st.floats(0.0, 1e3), seed=st.integers(0, 1000))
def test_log_softmax_is_shift_invariant_and_stable(shift: float, scale: float, seed: int) -> None:
    logits = np.random.default_rng(seed).normal(0.0, 1.0, (4, 7)) * scale
    out = phases.log_softmax(logits)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.exp(out).sum(axis=-1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(phases.log_softmax(logits + shift), out, atol=1e-9 * (1 + scale))


def test_reference_models_hit_the_reference_levels(source: phases.MarkovSource) -> None:
    pi, transition = source
    levels = phases.source_entropies(pi, transition)
    assert phases.expected_cross_entropy(pi, transition, np.zeros((32, 32))) == pytest.approx(
        levels.log_vocab)
    unigram_logits = np.tile(np.log(pi), (32, 1))
    assert phases.expected_cross_entropy(pi, transition, unigram_logits) == pytest.approx(
        levels.unigram)
    assert phases.expected_cross_entropy(pi, transition, np.log(transition)) == pytest.approx(
        levels.bigram)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.0, 50.0))
def test_cross_entropy_is_entropy_plus_kl(source: phases.MarkovSource, seed: int,
                                          scale: float) -> None:
    pi, transition = source
    logits = np.random.default_rng(seed).normal(0.0, 1.0, (32, 32)) * scale
    log_q = phases.log_softmax(logits)
    kl = (transition * (np.log(transition) - log_q)).sum(axis=1)
    loss = phases.expected_cross_entropy(pi, transition, logits)
    assert loss == pytest.approx(phases.conditional_entropy(pi, transition) + pi @ kl, rel=1e-9)
    assert loss >= phases.conditional_entropy(pi, transition) - 1e-12


def test_random_logits_start_above_log_vocab(source: phases.MarkovSource) -> None:
    pi, transition = source
    rng = np.random.default_rng(0)
    for scale in (0.3, 0.7):
        losses = [phases.expected_cross_entropy(pi, transition, rng.normal(0.0, scale, (32, 32)))
                  for _ in range(200)]
        assert np.mean(losses) == pytest.approx(phases.random_logits_loss(32, scale), abs=0.02)
        assert np.mean(losses) > math.log(32)


def test_sample_pairs_follow_the_source(source: phases.MarkovSource) -> None:
    previous, following = phases.sample_pairs(source, 200_000, np.random.default_rng(3))
    counts = phases.bigram_counts(previous, following, 32)
    joint = source.stationary[:, None] * source.transition
    assert np.abs(counts / counts.sum() - joint).max() < 0.005
    assert counts.sum() == 200_000


# ---------------------------------------------------------------------------------------------
# Training phases
# ---------------------------------------------------------------------------------------------


def test_low_rank_run_plateaus_at_the_unigram_entropy(source: phases.MarkovSource) -> None:
    levels = phases.source_entropies(*source)
    curve = phases.train_low_rank(source, rank=8, init_scale=1e-4, steps=400)
    assert curve.loss[0] == pytest.approx(levels.log_vocab, abs=0.1)
    start, end = phases.plateau_steps(curve, levels.unigram, 0.05)
    assert 20 <= start <= 80 and 80 <= end <= 200
    assert curve.loss[-1] < levels.unigram - 0.5
    assert curve.loss[-1] > levels.bigram
    escape = phases.plateau_escape_step(source, init_scale=1e-4, learning_rate=1.0)
    assert end / 1.5 <= escape <= end * 1.5


def test_larger_initialisation_shortens_the_plateau(source: phases.MarkovSource) -> None:
    small = phases.plateau_escape_step(source, init_scale=1e-4, learning_rate=1.0)
    large = phases.plateau_escape_step(source, init_scale=1e-2, learning_rate=1.0)
    assert large == pytest.approx(small / 2)
    assert phases.plateau_escape_step(source, 1e-4, 0.5) == pytest.approx(2 * small)


def test_training_is_reproducible(source: phases.MarkovSource) -> None:
    first = phases.train_low_rank(source, rank=2, steps=50, eval_steps=[10, 50], seed=4)
    second = phases.train_low_rank(source, rank=2, steps=50, eval_steps=[10, 50], seed=4)
    np.testing.assert_array_equal(first.loss, second.loss)
    np.testing.assert_array_equal(first.steps, [10, 50])


def test_plateau_steps_none_when_never_near() -> None:
    curve = phases.TrainingCurve(np.array([1, 2]), np.array([3.0, 2.0]))
    assert phases.plateau_steps(curve, level=1.0, tolerance=0.1) is None


def test_log_spaced_steps() -> None:
    steps = phases.log_spaced_steps(3000, 20)
    assert steps[0] == 1 and steps[-1] == 3000
    assert (np.diff(steps) > 0).all()


def test_small_sample_is_memorised(source: phases.MarkovSource) -> None:
    previous, following = phases.sample_pairs(source, 256, np.random.default_rng(1))
    counts = phases.bigram_counts(previous, following, 32)
    fit = phases.train_bigram_table(source, counts, steps=2000)
    floor = phases.sample_conditional_entropy(counts)
    assert fit.loss.min() >= floor - 1e-9
    assert fit.loss[-1] < floor + 0.05
    assert floor < phases.conditional_entropy(*source)
    best = int(np.argmin(fit.heldout))
    assert fit.heldout[-1] > fit.heldout[best] + 0.3
    assert fit.heldout[-1] - fit.loss[-1] > 0.5


def test_large_sample_generalises(source: phases.MarkovSource) -> None:
    previous, following = phases.sample_pairs(source, 20_000, np.random.default_rng(2))
    counts = phases.bigram_counts(previous, following, 32)
    fit = phases.train_bigram_table(source, counts, steps=2000)
    assert fit.heldout[-1] - fit.loss[-1] < 0.1
    assert fit.heldout[-1] < phases.conditional_entropy(*source) + 0.1


def test_sample_conditional_entropy_of_the_source_frequencies(source: phases.MarkovSource
                                                                ) -> None:
    joint = source.stationary[:, None] * source.transition * 1e6
    assert phases.sample_conditional_entropy(joint) == pytest.approx(
        phases.conditional_entropy(*source), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Diagnosis
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("observation, regime", [
    (dict(more_data=NAN, more_params=NAN, bigger_batch=-0.05, gap=0.5),
     "optimizer-noise-limited"),
    (dict(more_data=-0.2, more_params=-0.1, bigger_batch=-0.03, gap=0.3),
     "optimizer-noise-limited"),
    (dict(more_data=-0.04, more_params=-0.03, bigger_batch=0.0, gap=0.02), "compute-optimal"),
    (dict(more_data=-0.10, more_params=NAN, bigger_batch=NAN, gap=0.35), "data-limited"),
    (dict(more_data=-0.005, more_params=-0.08, bigger_batch=NAN, gap=0.01), "capacity-limited"),
    # a 10B-parameter run: 200B -> 500B tokens, train 2.1 -> 2.0, held-out stuck at 2.3
    (dict(more_data=0.0, more_params=NAN, bigger_batch=NAN, gap=0.3), "distribution-mismatch"),
    (dict(more_data=NAN, more_params=0.01, bigger_batch=NAN, gap=0.4), "data-limited"),
    (dict(more_data=-0.01, more_params=NAN, bigger_batch=0.005, gap=0.03), "capacity-limited"),
    (dict(more_data=NAN, more_params=NAN, bigger_batch=NAN, gap=0.05), "inconclusive"),
    (dict(more_data=0.001, more_params=-0.001, bigger_batch=NAN, gap=0.02), "inconclusive"),
    (dict(gap=0.05), "inconclusive"),
    (dict(more_data=-0.02, more_params=NAN, bigger_batch=NAN, gap=0.0), "data-limited"),
])
def test_diagnosis_rules(observation: dict, regime: str) -> None:
    assert phases.diagnose_regime(observation) == regime


def test_thresholds_are_adjustable() -> None:
    observation = dict(more_data=-0.015, more_params=NAN, bigger_batch=NAN, gap=0.08)
    assert phases.diagnose_regime(observation) == "capacity-limited"
    assert phases.diagnose_regime(observation, helps=0.01) == "data-limited"
    assert phases.diagnose_regime(dict(observation, more_data=0.0),
                                  large_gap=0.05) == "distribution-mismatch"


change = st.one_of(st.just(NAN), st.floats(-1.0, 1.0))


@settings(max_examples=200, deadline=None)
@given(data=change, params=change, batch=change, gap=st.one_of(st.just(NAN), st.floats(-1, 1)))
def test_diagnosis_is_total_and_puts_noise_first(data: float, params: float, batch: float,
                                                 gap: float) -> None:
    observation = dict(more_data=data, more_params=params, bigger_batch=batch, gap=gap)
    regime = phases.diagnose_regime(observation)
    assert regime in phases.REGIMES
    assert regime in phases.ADVICE
    if not math.isnan(batch) and batch <= -phases.HELPS:
        assert regime == "optimizer-noise-limited"


def test_critical_batch_size() -> None:
    assert float(phases.critical_batch_size(1.0)) == pytest.approx(2e8)
    assert float(phases.critical_batch_size(2.0)) == pytest.approx(2e8 / 2 ** (1 / 0.21))
    losses = np.array([2.0, 3.0, 4.0])
    np.testing.assert_allclose(phases.critical_batch_size(losses),
                               [float(phases.critical_batch_size(x)) for x in losses])
    # Kaplan et al., Fig. 10: roughly doubles for every 13% decrease in loss
    ratio = phases.critical_batch_size(0.87 * 3.0) / phases.critical_batch_size(3.0)
    assert 1.8 < float(ratio) < 2.1


@given(ratio=st.floats(1e-3, 1e3))
def test_batch_overheads_lie_on_kaplans_hyperbola(ratio: float) -> None:
    steps, data = phases.batch_overheads(ratio, 1.0)
    assert (float(steps) - 1.0) * (float(data) - 1.0) == pytest.approx(1.0)


def test_batch_overheads_at_the_critical_batch() -> None:
    steps, data = phases.batch_overheads(4e6, 4e6)
    assert float(steps) == pytest.approx(2.0) and float(data) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# SGD noise floor
# ---------------------------------------------------------------------------------------------


@given(rate=st.floats(1e-5, 1e-3), batch=st.integers(1, 512), dim=st.integers(1, 64),
       noise=st.floats(0.01, 10.0))
def test_prediction_is_the_small_rate_limit_of_the_exact_floor(rate: float, batch: int,
                                                                dim: int, noise: float) -> None:
    predicted = float(phases.predicted_noise_floor(rate, batch, dim, noise))
    exact = float(phases.exact_noise_floor(rate, batch, dim, noise))
    assert exact >= predicted
    assert exact == pytest.approx(predicted, rel=0.05)


def test_prediction_scales_as_rate_over_batch() -> None:
    base = float(phases.predicted_noise_floor(0.01, 8, 8, 1.0))
    assert float(phases.predicted_noise_floor(0.02, 8, 8, 1.0)) == pytest.approx(2 * base)
    assert float(phases.predicted_noise_floor(0.01, 16, 8, 1.0)) == pytest.approx(base / 2)
    assert base == pytest.approx(0.01 * 8 / 32)


def test_exact_floor_diverges_beyond_stability() -> None:
    assert math.isinf(float(phases.exact_noise_floor(1.0, 1, 8, 1.0)))


@pytest.mark.parametrize("rate, batch, dim, noise", [(0.01, 8, 8, 1.0), (0.05, 4, 4, 0.5)])
def test_measured_floor_matches_the_exact_floor(rate: float, batch: int, dim: int,
                                                noise: float) -> None:
    measured = phases.measure_noise_floor(rate, batch, dim=dim, noise_var=noise, chains=32,
                                          seed=0)
    exact = float(phases.exact_noise_floor(rate, batch, dim, noise))
    assert measured == pytest.approx(exact, rel=0.06)


def test_excess_trace_settles_on_the_floor() -> None:
    trace = phases.sgd_excess_trace(0.05, 8, dim=8, noise_var=1.0, steps=3000, seed=1)
    assert trace[0] > 1.0
    floor = float(phases.exact_noise_floor(0.05, 8, 8, 1.0))
    assert 0.5 * floor < trace[1000:].mean() < 2.0 * floor


# ---------------------------------------------------------------------------------------------
# Regime runs
# ---------------------------------------------------------------------------------------------


def test_target_tail_against_a_long_sum() -> None:
    for n in (4, 64):
        j = np.arange(n + 1, 2_000_001, dtype=np.float64)
        long_sum = phases.TARGET_SCALE * (np.sum(j ** -phases.TARGET_DECAY)
                                          + 2_000_000.5 ** (1 - phases.TARGET_DECAY)
                                          / (phases.TARGET_DECAY - 1))
        assert phases.target_tail(n) == pytest.approx(long_sum, rel=1e-10)
    assert phases.target_tail(8) > phases.target_tail(16) > 0


def test_heldout_loss_is_exact() -> None:
    inputs, labels = phases.regression_data(200_000, 8, seed=1)
    weights = np.linspace(-0.3, 0.5, 8)
    sampled = 0.5 * np.mean((inputs @ weights - labels) ** 2)
    assert float(phases.heldout_loss(weights)) == pytest.approx(sampled, rel=0.01)
    assert float(phases.heldout_loss(phases.target_weights(8))) == pytest.approx(
        phases.capacity_floor(8))
    assert phases.capacity_floor(64) > 0.5 * phases.LABEL_NOISE_VAR


def test_regime_runs_share_minibatches_across_rates() -> None:
    inputs, labels = phases.regression_data(256, 16, seed=0)
    settings_ = dict(n_params=8, n_train=128, batch_size=4, checkpoints=[1, 10, 100], seed=3)
    both = phases.run_regime(inputs, labels, learning_rates=[0.01, 0.03], **settings_)
    alone = phases.run_regime(inputs, labels, learning_rates=[0.03], **settings_)
    assert both.train.shape == (2, 3)
    np.testing.assert_allclose(both.heldout[1], alone.heldout[0], rtol=1e-12)
    np.testing.assert_allclose(both.train[1], alone.train[0], rtol=1e-12)
    assert (np.diff(both.heldout[0]) < 0).all()
    assert (both.heldout >= phases.capacity_floor(8) - 1e-12).all()


def test_regime_grid_from_columns_groups_and_sorts() -> None:
    columns = {
        "n_params": ["4", "4", "8"], "n_train": ["128"] * 3, "batch_size": ["2"] * 3,
        "learning_rate": ["0.01"] * 3, "step": ["10", "1", "1"],
        "train_loss": ["0.6", "1.0", "0.9"], "heldout_loss": ["0.7", "1.0", "0.9"],
        "heldout_now": ["0.7", "1.0", "0.9"],
    }
    grid = phases.regime_grid_from_columns(columns)
    run = grid.runs[(4, 128, 2, 0.01)]
    np.testing.assert_array_equal(run["step"], [1, 10])
    np.testing.assert_array_equal(run["train_loss"], [1.0, 0.6])
    assert grid.levels["n_params"] == (4, 8)
    with pytest.raises(ValueError, match="lacks the columns"):
        phases.regime_grid_from_columns({"n_params": ["4"]})


# ---------------------------------------------------------------------------------------------
# The data file and its script
# ---------------------------------------------------------------------------------------------


def _make_script():
    return load_data_script("make_phases_regimes")


def test_data_file_matches_its_script() -> None:
    script = _make_script()
    assert script.check() == []


def test_data_file_covers_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHASELAB_DATA", str(REPO / "data"))
    script = _make_script()
    grid = phases.load_regime_grid()
    assert grid.levels["n_params"] == script.N_PARAMS
    assert grid.levels["n_train"] == script.N_TRAIN
    assert grid.levels["batch_size"] == script.BATCH_SIZES
    assert grid.levels["learning_rate"] == script.LEARNING_RATES
    assert len(grid.runs) == len(script.grid()) * len(script.LEARNING_RATES)
    for run in grid.runs.values():
        np.testing.assert_array_equal(run["step"], script.CHECKPOINTS)
        assert np.isfinite(run["heldout_loss"]).all()
