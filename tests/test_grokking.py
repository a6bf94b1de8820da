"""Unit tests of phaselab.grokking: data, gradients, AdamW, training, analysis and the sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab import grokking as g
from tests.conftest import load_data_script

REPO = Path(__file__).resolve().parent.parent
ODD_MODULI = st.sampled_from([3, 5, 7, 11, 13, 17, 23, 31])


def small_params(p: int = 7, seed: int = 0, dtype=np.float64) -> g.Params:
    return g.init_params(p, d_embed=4, d_hidden=6, seed=seed, dtype=dtype)


def history(steps, train_acc, val_acc) -> dict[str, np.ndarray]:
    return {"steps": np.asarray(steps), "train_acc": np.asarray(train_acc, dtype=float),
            "val_acc": np.asarray(val_acc, dtype=float)}


# --- data -----------------------------------------------------------------------------------


def test_addition_table_rows() -> None:
    table = g.addition_table(5)
    assert table.shape == (25, 3)
    assert table[5 * 3 + 4].tolist() == [3, 4, 2]
    assert np.all(table[:, 2] == (table[:, 0] + table[:, 1]) % 5)


def test_addition_table_rejects_tiny_modulus() -> None:
    with pytest.raises(ValueError):
        g.addition_table(1)


@given(p=ODD_MODULI, fraction=st.floats(0.05, 0.95), seed=st.integers(0, 2**31))
@settings(max_examples=40, deadline=None)
def test_split_covers_the_table_once(p: int, fraction: float, seed: int) -> None:
    train, val = g.split_dataset(p, fraction, seed)
    assert len(train) == round(fraction * p * p)
    codes = np.sort(np.concatenate([train, val])[:, 0] * p + np.concatenate([train, val])[:, 1])
    assert np.array_equal(codes, np.arange(p * p))
    for part in (train, val):
        assert np.all(part[:, 2] == (part[:, 0] + part[:, 1]) % p)


def test_split_depends_only_on_its_seed() -> None:
    first, _ = g.split_dataset(13, 0.4, seed=3)
    again, _ = g.split_dataset(13, 0.4, seed=3)
    other, _ = g.split_dataset(13, 0.4, seed=4)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_split_rejects_degenerate_fractions(fraction: float) -> None:
    with pytest.raises(ValueError):
        g.split_dataset(7, fraction, 0)


# --- model ------------------------------------------------------------------------------------


def test_init_params_shapes_dtype_and_scales() -> None:
    params = g.init_params(31, d_embed=64, d_hidden=128, seed=1)
    shapes = {name: value.shape for name, value in params.items()}
    assert shapes == {"embed": (31, 64), "w1": (128, 128), "b1": (128,), "w2": (128, 31),
                      "b2": (31,)}
    assert all(value.dtype == np.float32 for value in params.values())
    assert 0.9 < params["embed"].std() < 1.1
    assert np.abs(params["w1"]).max() <= 1 / np.sqrt(128)
    assert np.abs(params["w2"]).max() <= 1 / np.sqrt(128)
    assert abs(params["w1"].std() - 1 / np.sqrt(3 * 128)) < 0.01


def test_forward_matches_concatenated_inputs() -> None:
    params = small_params(p=7)
    table = g.addition_table(7)
    a, b = table[:, 0], table[:, 1]
    inputs = np.concatenate([params["embed"][a], params["embed"][b]], axis=1)
    hidden = np.maximum(inputs @ params["w1"] + params["b1"], 0)
    expected = hidden @ params["w2"] + params["b2"]
    np.testing.assert_allclose(g.forward(params, a, b), expected, rtol=1e-12, atol=1e-12)


def test_loss_is_the_cross_entropy_of_the_logits() -> None:
    params = small_params(p=7, seed=2)
    table = g.addition_table(7)
    result = g.loss_and_grads(params, table[:, 0], table[:, 1], table[:, 2])
    logits = g.forward(params, table[:, 0], table[:, 1])
    np.testing.assert_allclose(result.logits, logits, rtol=1e-12)
    assert result.loss == pytest.approx(g.cross_entropy(logits, table[:, 2]), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_match_finite_differences(seed: int) -> None:
    params = small_params(p=5, seed=seed)
    train, _ = g.split_dataset(5, 0.6, seed)
    a, b, labels = train.T
    grads = g.loss_and_grads(params, a, b, labels).grads
    step = 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + step
            up = g.loss_and_grads(params, a, b, labels).loss
            value[index] = original - step
            down = g.loss_and_grads(params, a, b, labels).loss
            value[index] = original
            numeric[index] = (up - down) / (2 * step)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_gradients_with_repeated_pairs_match_finite_differences() -> None:
    params = small_params(p=5, seed=3)
    a, b, labels = np.array([0, 0, 1, 4, 0]), np.array([1, 1, 2, 4, 1]), np.array([1, 2, 3, 3, 1])
    workspace = g.Workspace(params, a, b, labels)
    assert workspace.grid is None
    grads = g.loss_and_grads(params, workspace=workspace).grads
    value = params["embed"]
    numeric = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        original = value[index]
        value[index] = original + 1e-6
        up = g.loss_and_grads(params, a, b, labels).loss
        value[index] = original - 1e-6
        down = g.loss_and_grads(params, a, b, labels).loss
        value[index] = original
        numeric[index] = (up - down) / 2e-6
    np.testing.assert_allclose(grads["embed"], numeric, rtol=1e-5, atol=1e-8)


def test_grid_and_one_hot_backward_agree() -> None:
    params = small_params(p=11, seed=8)
    train, _ = g.split_dataset(11, 0.5, 1)
    a, b, labels = train.T
    grid = g.loss_and_grads(params, a, b, labels)
    assert g.Workspace(params, a, b, labels).grid is not None
    repeated = g.loss_and_grads(params, np.append(a, a[0]), np.append(b, b[0]),
                                np.append(labels, labels[0]))
    # The repeated example weighs 2/(n+1) instead of 1/n: compare the per-example totals.
    n = len(a)
    for name in params:
        single = g.loss_and_grads(params, a[:1], b[:1], labels[:1]).grads[name]
        np.testing.assert_allclose((n + 1) * repeated.grads[name], n * grid.grads[name] + single,
                                   rtol=1e-9, atol=1e-12)


def test_workspace_is_reused_without_changing_results() -> None:
    params = small_params(p=11, seed=3, dtype=np.float32)
    train, _ = g.split_dataset(11, 0.5, 0)
    workspace = g.Workspace(params, train[:, 0], train[:, 1], train[:, 2])
    fresh = g.loss_and_grads(params, train[:, 0], train[:, 1], train[:, 2])
    for _ in range(2):
        reused = g.loss_and_grads(params, workspace=workspace)
        assert reused.loss == pytest.approx(fresh.loss, rel=1e-6)
        for name in params:
            np.testing.assert_allclose(reused.grads[name], fresh.grads[name], rtol=1e-5,
                                       atol=1e-7)


def test_calls_without_a_workspace_return_independent_results() -> None:
    params = small_params(p=7, seed=9)
    a, b, labels = g.split_dataset(7, 0.5, 0)[0].T
    first = g.loss_and_grads(params, a, b, labels)
    kept = {name: grad.copy() for name, grad in first.grads.items()}
    shifted = {name: value + 0.1 for name, value in params.items()}
    second = g.loss_and_grads(shifted, a, b, labels)
    assert second.loss != first.loss
    for name in params:
        np.testing.assert_array_equal(first.grads[name], kept[name])


def test_workspace_rejects_tokens_out_of_range() -> None:
    params = small_params(p=5)
    with pytest.raises(ValueError):
        g.Workspace(params, [0, 5], [1, 2], [1, 2])
    with pytest.raises(ValueError):
        g.loss_and_grads(params, [0, 1])


def test_accuracy_counts_argmax_hits() -> None:
    logits = np.array([[0.1, 2.0, 0.3], [5.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 3.0, 2.0]])
    assert g.accuracy(logits, [1, 0, 0, 2]) == pytest.approx(0.5)


@given(seed=st.integers(0, 2**31), n=st.integers(1, 30), classes=st.integers(2, 9))
def test_accuracy_ignores_row_order_and_shifts(seed: int, n: int, classes: int) -> None:
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, classes))
    labels = rng.integers(0, classes, n)
    order = rng.permutation(n)
    base = g.accuracy(logits, labels)
    assert g.accuracy(logits[order], labels[order]) == pytest.approx(base)
    assert g.accuracy(logits + rng.standard_normal((n, 1)), labels) == pytest.approx(base)
    assert 0.0 <= base <= 1.0


def test_cross_entropy_of_uniform_logits_is_log_classes() -> None:
    assert g.cross_entropy(np.zeros((4, 13)), [0, 1, 2, 3]) == pytest.approx(np.log(13))


def test_weight_norm_is_the_norm_of_everything() -> None:
    params = small_params(p=7, seed=4)
    flat = np.concatenate([value.ravel() for value in params.values()])
    assert g.weight_norm(params) == pytest.approx(np.linalg.norm(flat), rel=1e-12)


# --- optimiser --------------------------------------------------------------------------------


def textbook_adamw(theta, grads, lr, beta1, beta2, eps, decay):
    """AdamW element by element in plain Python (Loshchilov & Hutter, PyTorch scaling)."""
    theta = [float(x) for x in theta]
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    for t, grad in enumerate(grads, start=1):
        for i, g_i in enumerate(grad):
            m[i] = beta1 * m[i] + (1 - beta1) * g_i
            v[i] = beta2 * v[i] + (1 - beta2) * g_i * g_i
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            theta[i] = theta[i] - lr * decay * theta[i] - lr * m_hat / (v_hat**0.5 + eps)
    return np.array(theta), np.array(m), np.array(v)


@given(seed=st.integers(0, 2**31), decay=st.sampled_from([0.0, 0.1, 1.0]),
       eps=st.sampled_from([1e-8, 1e-3]))
@settings(max_examples=25, deadline=None)
def test_adamw_update_matches_the_textbook(seed: int, decay: float, eps: float) -> None:
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(6)
    grads = rng.standard_normal((4, 6))
    want_theta, want_m, want_v = textbook_adamw(theta, grads, 1e-2, 0.9, 0.98, eps, decay)
    m = v = np.zeros(6)
    for t, grad in enumerate(grads, start=1):
        theta, m, v = g.adamw_update(theta, grad, m, v, t, lr=1e-2, beta1=0.9, beta2=0.98,
                                     eps=eps, weight_decay=decay)
    np.testing.assert_allclose(theta, want_theta, rtol=1e-12)
    np.testing.assert_allclose(m, want_m, rtol=1e-12)
    np.testing.assert_allclose(v, want_v, rtol=1e-12)


def test_adamw_first_step_moves_by_the_learning_rate() -> None:
    grad = np.array([3.0, -0.02, 1e-3])
    theta, _, _ = g.adamw_update(np.zeros(3), grad, np.zeros(3), np.zeros(3), 1, lr=0.1,
                                 eps=0.0, weight_decay=0.0)
    np.testing.assert_allclose(theta, -0.1 * np.sign(grad))


def test_adamw_decay_is_decoupled_from_the_gradient() -> None:
    theta, m, v = g.adamw_update(np.full(3, 2.0), np.zeros(3), np.zeros(3), np.zeros(3), 1,
                                 lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(theta, 2.0 * (1 - 0.1 * 0.5))
    assert not m.any() and not v.any()


def test_adamw_update_rejects_step_zero() -> None:
    with pytest.raises(ValueError):
        g.adamw_update(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 0, lr=1e-3)


def test_in_place_adamw_step_matches_the_pure_update() -> None:
    rng = np.random.default_rng(5)
    params = small_params(p=5, seed=5)
    reference = {name: (value.copy(), np.zeros_like(value), np.zeros_like(value))
                 for name, value in params.items()}
    state = g.AdamWState.zeros_like(params)
    for t in range(1, 6):
        grads = {name: rng.standard_normal(value.shape) for name, value in params.items()}
        g.adamw_step(params, grads, state, lr=3e-3, betas=(0.8, 0.95), eps=1e-6,
                     weight_decay=0.7)
        for name, (theta, m, v) in reference.items():
            reference[name] = g.adamw_update(theta, grads[name], m, v, t, lr=3e-3, beta1=0.8,
                                             beta2=0.95, eps=1e-6, weight_decay=0.7)
    assert state.step == 5
    for name, (theta, m, v) in reference.items():
        np.testing.assert_allclose(params[name], theta, rtol=1e-12)
        np.testing.assert_allclose(state.m[name], m, rtol=1e-12)
        np.testing.assert_allclose(state.v[name], v, rtol=1e-12)


# --- training ---------------------------------------------------------------------------------

TINY = g.GrokConfig(p=11, d_embed=8, d_hidden=16, steps=30, eval_every=7, seed=2)


def test_train_records_every_evaluation_step() -> None:
    seen = []
    result = g.train(TINY, callback=lambda step, params, record: seen.append((step, record)))
    assert result.steps.tolist() == [0, 1, 2, 3, 5, 7, 14, 21, 28, 30]
    assert [step for step, _ in seen] == result.steps.tolist()
    for name in g.METRICS:
        assert result[name].shape == result.steps.shape
        assert np.isfinite(result[name]).all()
    assert seen[-1][1]["weight_norm"] == pytest.approx(g.weight_norm(result.params))
    assert result.train_loss[0] == pytest.approx(np.log(11), rel=0.2)
    assert result.config == TINY


def test_train_is_deterministic_and_shows_progress(capsys: pytest.CaptureFixture) -> None:
    first = g.train(TINY, progress=True, threads=1)
    second = g.train(TINY)
    for name in ("steps", *g.METRICS):
        np.testing.assert_array_equal(first[name], second[name])
    assert "step" in capsys.readouterr().err


def test_weight_decay_shrinks_the_weights() -> None:
    config = TINY.replace(lr=1e-2, steps=50, eval_every=50)
    decayed = g.train(config.replace(weight_decay=5.0))
    free = g.train(config.replace(weight_decay=0.0))
    assert decayed.weight_norm[0] == free.weight_norm[0]
    assert decayed.weight_norm[-1] < 0.5 * decayed.weight_norm[0] < free.weight_norm[-1]


def test_evaluation_steps_are_dense_early() -> None:
    steps = g.FAST.eval_steps()
    assert steps[0] == 0 and steps[-1] == g.FAST.steps
    assert {1, 2, 10, 20, 1000} <= set(steps.tolist())
    assert np.all(np.diff(steps) > 0) and np.diff(steps).max() == g.FAST.eval_every
    assert g.GrokConfig(steps=3, eval_every=10).eval_steps().tolist() == [0, 1, 2, 3]


def test_presets() -> None:
    assert (g.FAST.p, g.FAST.train_fraction, g.FAST.lr, g.FAST.weight_decay) == (59, 0.5, 1e-2, 1)
    assert g.FAST.betas == (0.9, 0.98)
    assert g.FULL.p in (97, 113) and g.FULL.lr == 1e-3


def test_default_config_follows_full_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHASELAB_FULL", raising=False)
    assert g.default_config() == g.FAST
    monkeypatch.setenv("PHASELAB_FULL", "1")
    assert g.default_config() == g.FULL


@pytest.mark.slow
def test_fast_preset_groks_with_a_long_delay() -> None:
    result = g.train(g.FAST.replace(steps=800), threads=1)
    grok = g.detect_grokking(result)
    assert grok is not None and grok <= 800
    assert g.grokking_delay(result) >= 5
    assert g.classify_run(result) == "groks"
    assert g.weight_norm(result.params) < result.weight_norm[0]


# --- Fourier analysis -------------------------------------------------------------------------


@given(p=ODD_MODULI, seed=st.integers(0, 2**31))
def test_fourier_power_is_a_distribution_invariant_under_shifts(p: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    embedding = rng.standard_normal((p, 3))
    power = g.fourier_power(embedding)
    assert power.shape == ((p + 1) // 2,)
    assert power.sum() == pytest.approx(1.0)
    assert (power >= 0).all()
    shifted = np.roll(embedding, int(rng.integers(p)), axis=0)
    np.testing.assert_allclose(g.fourier_power(shifted), power, atol=1e-12)


def test_fourier_power_of_pure_waves() -> None:
    p = 13
    a = np.arange(p)
    waves = np.stack([np.cos(2 * np.pi * 3 * a / p), 2 * np.sin(2 * np.pi * 5 * a / p)], axis=1)
    power = g.fourier_power(waves)
    assert power[3] == pytest.approx(0.2)
    assert power[5] == pytest.approx(0.8)
    assert g.fourier_power(np.ones((p, 2)))[0] == pytest.approx(1.0)
    assert g.top_frequencies(power, 2).tolist() == [5, 3]
    assert g.key_frequency_share(waves, 1) == pytest.approx(0.8)
    assert g.key_frequencies(power).tolist() == [5, 3]
    assert g.key_frequencies(power, coverage=0.5).tolist() == [5]


def test_top_frequencies_skip_the_constant() -> None:
    power = np.array([0.5, 0.1, 0.3, 0.05, 0.05])
    assert g.top_frequencies(power, 3).tolist() == [2, 1, 3]
    with pytest.raises(ValueError):
        g.top_frequencies(power, 5)


def test_frequency_projections_split_a_matrix() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((11, 4))
    kept = g.project_frequencies(matrix, [2, 4], keep=True)
    removed = g.project_frequencies(matrix, [2, 4], keep=False)
    np.testing.assert_allclose(kept + removed, matrix)
    power = g.fourier_power(kept)
    assert power[[2, 4]].sum() == pytest.approx(1.0)
    assert g.fourier_power(removed)[[2, 4]].sum() == pytest.approx(0.0, abs=1e-20)
    basis = g.fourier_basis(11, [1, 2, 5])
    np.testing.assert_allclose(basis.T @ basis, np.eye(6), atol=1e-12)
    with pytest.raises(ValueError):
        g.fourier_basis(11, [6])


def test_restricted_and_excluded_losses_bracket_the_full_loss() -> None:
    params = small_params(p=7, seed=6)
    table = g.addition_table(7)
    everything = [1, 2, 3]
    full = g.cross_entropy(g.forward(params, table[:, 0], table[:, 1]), table[:, 2])
    # Keeping every frequency drops only the constant component; excluding none keeps all.
    assert g.excluded_loss(params, table, []) == pytest.approx(full)
    left, right = g.token_projections(params)
    centred = {**params, "b1": params["b1"] + left.mean(0) + right.mean(0)}
    assert g.restricted_loss(centred, table, everything) == pytest.approx(full)


# --- detecting grokking -----------------------------------------------------------------------


def test_detect_grokking_on_a_typical_run() -> None:
    run = history([0, 10, 20, 100, 400, 500], [0.02, 0.6, 1.0, 1.0, 1.0, 1.0],
                  [0.01, 0.0, 0.0, 0.03, 0.96, 1.0])
    assert g.detect_grokking(run) == 400
    assert g.grokking_delay(run) == pytest.approx(20.0)
    assert g.classify_run(run) == "groks"
    assert g.detect_grokking(run, val_threshold=0.99) == 500


def test_detect_grokking_thresholds_are_inclusive() -> None:
    run = history([0, 5, 50], [0.5, 0.99, 1.0], [0.0, 0.2, 0.95])
    assert g.detect_grokking(run) == 50


def test_detect_grokking_waits_for_training_to_saturate() -> None:
    run = history([0, 40, 50, 60], [0.5, 0.98, 0.99, 1.0], [0.0, 0.96, 0.97, 0.99])
    assert g.detect_grokking(run) == 50
    assert g.classify_run(run) == "generalises"


@pytest.mark.parametrize(
    ("train_acc", "val_acc", "phase"),
    [([0.1, 0.5, 0.9], [0.0, 0.0, 0.0], "never fits"),
     ([0.1, 1.0, 1.0], [0.0, 0.01, 0.5], "memorises only"),
     ([0.1, 0.5, 0.9], [0.0, 0.0, 0.99], "never fits")],
)
def test_runs_that_never_grok(train_acc, val_acc, phase) -> None:
    run = history([0, 100, 1000], train_acc, val_acc)
    assert g.detect_grokking(run) is None
    assert g.grokking_delay(run) is None
    assert g.classify_run(run) == phase


def test_history_objects_work_like_mappings() -> None:
    result = g.train(TINY.replace(steps=7))
    assert set(result.keys()) == {"steps", *g.METRICS}
    assert result["val_acc"] is result.val_acc


# --- the recorded sweep -----------------------------------------------------------------------


def test_sweep_from_columns_groups_and_sorts_runs() -> None:
    rows = [(0.5, 1.0, 90, 1.0, 0.97), (0.5, 1.0, 0, 0.0, 0.0), (0.5, 1.0, 10, 1.0, 0.0),
            (0.3, 0.0, 0, 0.0, 0.0), (0.3, 0.0, 20, 1.0, 0.0)]
    columns = {name: [] for name in g.SWEEP_COLUMNS}
    for fraction, decay, step, train_acc, val_acc in rows:
        values = dict(train_fraction=fraction, weight_decay=decay, seed=0, p=59, lr=0.01,
                      step=step, train_acc=train_acc, val_acc=val_acc, train_loss=1.0,
                      val_loss=2.0, weight_norm=50.0)
        for name in g.SWEEP_COLUMNS:
            columns[name].append(str(values[name]))
    sweep = g.sweep_from_columns(columns)
    assert set(sweep) == {(0.5, 1.0), (0.3, 0.0)}
    assert sweep[(0.5, 1.0)].steps.tolist() == [0, 10, 90]
    assert sweep[(0.5, 1.0)].config.steps == 90
    fractions, decays, phase = g.phase_map(sweep)
    assert fractions.tolist() == [0.3, 0.5] and decays.tolist() == [0.0, 1.0]
    assert phase.tolist() == [[g.PHASES.index("memorises only"), -1],
                              [-1, g.PHASES.index("groks")]]


def _sweep_script():
    return load_data_script("make_grokking_sweep")


def test_recorded_sweep_is_complete() -> None:
    script = _sweep_script()
    sweep = g.sweep_from_columns(_columns(script.OUTPUT))
    assert set(sweep) == {(f, d) for f in script.TRAIN_FRACTIONS for d in script.WEIGHT_DECAYS}
    for run in sweep.values():
        assert run.steps.tolist() == list(script.KEPT_STEPS)
    phases = {g.classify_run(run) for run in sweep.values()}
    assert {"memorises only", "groks"} <= phases


def _columns(path: Path) -> dict[str, list[str]]:
    import csv

    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        rows = list(reader)
    return {name: [row[name] for row in rows] for name in g.SWEEP_COLUMNS}


@pytest.mark.slow
def test_sweep_script_reproduces_its_file() -> None:
    assert _sweep_script().check() == []


def test_log_spaced_keeps_the_ends_and_spreads_on_a_log_axis() -> None:
    steps = np.arange(0, 2001, 10)
    chosen = g.log_spaced(steps, 12)
    assert chosen[0] == 0 and chosen[-1] == 2000
    assert np.all(np.diff(chosen) > 0) and set(chosen) <= set(steps)
    assert 8 <= chosen.size <= 13
    assert (chosen < 100).sum() >= 3
