"""Emergence: smooth loss, sharp capability, and how the metric shapes the curve (lesson 03).

The module has five parts:

* **metrics** on a model's answers: exact match, per-token accuracy, token edit distance
  (Levenshtein distance over tokens) and the Brier score, with the closed forms they take when
  every token is right with probability ``p`` independently of the others;
* the **threshold model** ``P(capability | L) = sigmoid((L_c - L) / tau)``, solved exactly from
  two measured points, and the size at which a fitted loss law crosses the threshold;
* the **emergence score** of a curve (Srivastava et al. 2022, Eq. 1 of Schaeffer et al. 2023);
* the course's **addition experiment**: a small numpy MLP that learns ``k``-digit addition, scored
  by several metrics at once (the sweep in ``data/emergence_sweep.csv`` is made with it);
* readers for the lesson's **data files**.

Everything is pure numpy; nothing runs at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------------------------------------
# Metrics on answers
# ---------------------------------------------------------------------------------------------


def _paired(predictions: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]
            ) -> list[tuple[list[Any], list[Any]]]:
    """Return the answers as pairs of token lists, checking that there are as many of each."""
    predictions = list(predictions)
    targets = list(targets)
    if len(predictions) != len(targets):
        raise ValueError(
            f"got {len(predictions)} predictions for {len(targets)} targets; they must pair up"
        )
    return [(list(p), list(t)) for p, t in zip(predictions, targets)]


def exact_match(predictions: Sequence[Sequence[Any]],
                targets: Sequence[Sequence[Any]]) -> NDArray[np.float64]:
    """Score 1 for an answer identical to its target (same tokens, same length), else 0.

    Parameters
    ----------
    predictions, targets
        Equally many answers, each a sequence of tokens: a string of digits such as ``"1234"``
        or a list of integers.

    Returns
    -------
    numpy.ndarray
        One score per answer (floats 0.0 or 1.0); their mean is the exact-match accuracy.
    """
    return np.array([float(p == t) for p, t in _paired(predictions, targets)], dtype=np.float64)


def per_token_accuracy(predictions: Sequence[Sequence[Any]],
                       targets: Sequence[Sequence[Any]]) -> NDArray[np.float64]:
    """Fraction of positions at which an answer has the target's token.

    Tokens are compared position by position from the left. The count of agreeing positions
    is divided by the length of the *longer* of the two sequences, so a missing token and an
    extra token both cost, and only an identical answer scores 1. Two empty sequences score 1.

    Returns
    -------
    numpy.ndarray
        One fraction in [0, 1] per answer.
    """
    scores = []
    for p, t in _paired(predictions, targets):
        longest = max(len(p), len(t))
        agree = sum(1 for a, b in zip(p, t) if a == b)
        scores.append(1.0 if longest == 0 else agree / longest)
    return np.array(scores, dtype=np.float64)


def levenshtein(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance between two token sequences.

    The smallest number of single-token insertions, deletions and substitutions (each costing
    1) that turns ``a`` into ``b``. Computed by dynamic programming, one row at a time.
    """
    a, b = list(a), list(b)
    previous = list(range(len(b) + 1))  # distances from the empty prefix of a
    for i, token_a in enumerate(a, start=1):
        current = [i]
        for j, token_b in enumerate(b, start=1):
            current.append(min(
                previous[j] + 1,                         # delete token_a
                current[j - 1] + 1,                      # insert token_b
                previous[j - 1] + (token_a != token_b),  # substitute (free if equal)
            ))
        previous = current
    return previous[-1]


def token_edit_distance(predictions: Sequence[Sequence[Any]],
                        targets: Sequence[Sequence[Any]]) -> NDArray[np.float64]:
    """Levenshtein distance between each answer and its target, counted in tokens.

    Unlike per-token accuracy, it does not care where a missing or extra token sits: the
    prediction ``"234"`` for the target ``"1234"`` is one deletion away (distance 1).

    Returns
    -------
    numpy.ndarray
        One non-negative distance per answer (as floats); 0 means an exact match.
    """
    return np.array([levenshtein(p, t) for p, t in _paired(predictions, targets)],
                    dtype=np.float64)


def brier_score(probabilities: ArrayLike, labels: ArrayLike) -> NDArray[np.float64]:
    """Multi-class Brier score of each prediction: squared distance to the one-hot answer.

    For a predicted distribution ``q`` over ``C`` classes and the correct class ``y`` the score
    is ``sum_c (q_c - [c == y])**2``, between 0 (all mass on the answer) and 2 (all mass on one
    wrong class). Lower is better; unlike accuracy it moves with every change of ``q``.

    Parameters
    ----------
    probabilities
        Array of shape ``(n, C)``: one distribution per row.
    labels
        ``n`` integer class indices in ``0 .. C-1``.

    Returns
    -------
    numpy.ndarray
        ``n`` scores; their mean is the Brier score of the test set.
    """
    q = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels)
    if q.ndim != 2 or y.shape != (q.shape[0],):
        raise ValueError("probabilities must have shape (n, C) and labels shape (n,)")
    if not np.issubdtype(y.dtype, np.integer) or np.any(y < 0) or np.any(y >= q.shape[1]):
        raise ValueError("labels must be integer class indices between 0 and C - 1")
    one_hot = np.zeros_like(q)
    one_hot[np.arange(q.shape[0]), y] = 1.0
    return ((q - one_hot) ** 2).sum(axis=1)


# ---------------------------------------------------------------------------------------------
# The same answers seen through different metrics: closed forms
# ---------------------------------------------------------------------------------------------

#: Metrics the lesson compares, in the order the widget offers them.
METRICS: tuple[str, ...] = (
    "exact match", "per-token accuracy", "token edit distance", "log-likelihood", "Brier score",
)


def expected_exact_match(per_token: ArrayLike, length: ArrayLike) -> NDArray[np.float64]:
    """Exact-match accuracy of ``length``-token answers whose tokens are each right with
    probability ``per_token``, independently: ``per_token ** length``.

    Real errors are correlated, so this is a model, not an identity (Schaeffer et al. 2023).
    """
    p = np.asarray(per_token, dtype=np.float64)
    return p ** np.asarray(length, dtype=np.float64)


def probability_all_wrong(per_token: ArrayLike, length: ArrayLike,
                          n_items: ArrayLike) -> NDArray[np.float64]:
    """Chance that a test set of ``n_items`` independent answers contains no exact match.

    Each answer is entirely right with probability ``per_token ** length``, so the chance that
    all ``n_items`` fail is ``(1 - per_token ** length) ** n_items``: when it is close to 1 the
    measured accuracy is 0 although the model is not.
    """
    return (1.0 - expected_exact_match(per_token, length)) ** np.asarray(n_items, np.float64)


def metric_from_per_token(per_token: ArrayLike, length: int, metric: str, *,
                          vocabulary: int = 10) -> NDArray[np.float64]:
    """What each metric reports for ``length``-token answers with per-token correctness ``p``.

    The model behind it: each token's correct value gets probability ``p``, the rest is spread
    evenly over the other ``vocabulary - 1`` tokens, and the token the model emits is right with
    probability ``p``, independently of the other positions.

    ============================  =====================================================
    ``"exact match"``             ``p ** length``
    ``"per-token accuracy"``      ``p``
    ``"token edit distance"``     ``length * (1 - p)`` (wrong tokens to fix; lower is better)
    ``"log-likelihood"``          ``length * ln p`` in nats (higher is better)
    ``"Brier score"``             per token, ``(1 - p)**2 * (1 + 1 / (vocabulary - 1))``
    ============================  =====================================================

    The edit distance counts substitutions only, as answers keep their length here.
    """
    p = np.asarray(per_token, dtype=np.float64)
    if metric == "exact match":
        return expected_exact_match(p, length)
    if metric == "per-token accuracy":
        return p.copy()
    if metric == "token edit distance":
        return length * (1.0 - p)
    if metric == "log-likelihood":
        with np.errstate(divide="ignore"):
            return length * np.log(p)
    if metric == "Brier score":
        return (1.0 - p) ** 2 * (1.0 + 1.0 / (vocabulary - 1))
    raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}")


def all_of_subskills(success: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Success rate of a task that needs every sub-skill at once: the product over ``axis``.

    Each sub-skill may improve smoothly with scale; their product is a cliff (the same
    arithmetic as exact match over the tokens of an answer).
    """
    return np.prod(np.asarray(success, dtype=np.float64), axis=axis)


# ---------------------------------------------------------------------------------------------
# The threshold model
# ---------------------------------------------------------------------------------------------


def sigmoid(x: ArrayLike) -> NDArray[np.float64]:
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def logit(p: ArrayLike) -> NDArray[np.float64]:
    """Inverse of :func:`sigmoid`: ``ln(p / (1 - p))`` for ``0 < p < 1``."""
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def threshold_capability(loss: ArrayLike, critical_loss: float, tau: float
                         ) -> NDArray[np.float64]:
    """Probability of a capability at pre-training loss ``loss``: ``sigmoid((L_c - L) / tau)``.

    It is 1/2 at ``L = L_c`` and rises as the loss falls below it; ``tau`` (in the units of the
    loss, e.g. nats) sets the width of the transition. ``tau = 0`` gives the step
    ``L < L_c`` (with 1/2 exactly at the threshold).
    """
    loss = np.asarray(loss, dtype=np.float64)
    if tau < 0:
        raise ValueError("tau must be non-negative")
    if tau == 0:
        return np.where(loss < critical_loss, 1.0, np.where(loss > critical_loss, 0.0, 0.5))
    return sigmoid((critical_loss - loss) / tau)


def solve_threshold(loss_1: float, accuracy_1: float, loss_2: float, accuracy_2: float
                    ) -> tuple[float, float]:
    """Find ``(L_c, tau)`` of the threshold model through two measured points.

    ``logit(a) = (L_c - L) / tau`` is linear in ``L``: two points fix the line, so
    ``tau = (L_2 - L_1) / (logit a_1 - logit a_2)`` and ``L_c = L_1 + tau * logit a_1``.

    Raises
    ------
    ValueError
        If an accuracy is not strictly between 0 and 1, or if the point with the lower loss
        does not have the strictly higher accuracy (no positive ``tau`` fits).
    """
    for a in (accuracy_1, accuracy_2):
        if not 0.0 < a < 1.0:
            raise ValueError("accuracies must lie strictly between 0 and 1 (logit is finite)")
    if (loss_1 - loss_2) * (accuracy_1 - accuracy_2) >= 0:
        raise ValueError("the lower loss must come with the strictly higher accuracy")
    z_1, z_2 = float(logit(accuracy_1)), float(logit(accuracy_2))
    tau = (loss_2 - loss_1) / (z_1 - z_2)
    return loss_1 + tau * z_1, tau


def fit_threshold(loss: ArrayLike, accuracy: ArrayLike, *, floor: float = 1e-3
                  ) -> tuple[float, float]:
    """Least-squares fit of ``logit(accuracy) = (L_c - L) / tau`` to many points.

    Accuracies are clipped to ``[floor, 1 - floor]`` first, so that measured zeros and ones
    (which carry no slope information) do not dominate the fit.

    Returns
    -------
    (critical_loss, tau)
    """
    loss = np.asarray(loss, dtype=np.float64)
    z = logit(np.clip(np.asarray(accuracy, dtype=np.float64), floor, 1.0 - floor))
    slope, intercept = np.polyfit(loss, z, deg=1)
    if slope >= 0:
        raise ValueError("accuracy does not fall with loss: no threshold to fit")
    tau = -1.0 / slope
    return intercept * tau, tau


# ---------------------------------------------------------------------------------------------
# Predicting where the threshold is crossed
# ---------------------------------------------------------------------------------------------


def loss_law(size: ArrayLike, irreducible: float, scale: float, alpha: float
             ) -> NDArray[np.float64]:
    """Loss of a model of size ``N``: ``L(N) = L_inf + (N_0 / N) ** alpha``."""
    size = np.asarray(size, dtype=np.float64)
    return irreducible + (scale / size) ** alpha


def emergence_size(critical_loss: ArrayLike, irreducible: ArrayLike, scale: ArrayLike,
                   alpha: ArrayLike) -> NDArray[np.float64]:
    """Size at which the loss law reaches the threshold: ``N_c = N_0 (L_c - L_inf)**(-1/alpha)``.

    Solves ``L_inf + (N_0 / N)**alpha = L_c`` for ``N``. Broadcasts over its arguments.

    Raises
    ------
    ValueError
        If ``L_c <= L_inf`` anywhere: the law never gets below the threshold.
    """
    gap = np.asarray(critical_loss, dtype=np.float64) - np.asarray(irreducible, np.float64)
    if np.any(gap <= 0):
        raise ValueError("the threshold must lie above the irreducible loss, or it is never met")
    return np.asarray(scale, np.float64) * gap ** (-1.0 / np.asarray(alpha, np.float64))


def fit_loss_law(size: ArrayLike, loss: ArrayLike, *, n_grid: int = 400
                 ) -> tuple[float, float, float]:
    """Fit ``L(N) = L_inf + (N_0 / N) ** alpha`` by a grid over ``L_inf`` and a line in log space.

    For each of ``n_grid`` candidates ``L_inf`` between 0 and the smallest loss,
    ``ln(L - L_inf)`` is fitted by a straight line in ``ln N`` (all candidates at once); the
    candidate whose law has the smallest squared error in ``L`` wins.

    Returns
    -------
    (irreducible, scale, alpha)

    Raises
    ------
    ValueError
        For fewer than three points, or if no candidate gives a loss falling with size.
    """
    size = np.asarray(size, dtype=np.float64)
    loss = np.asarray(loss, dtype=np.float64)
    if size.ndim != 1 or size.shape != loss.shape or size.size < 3:
        raise ValueError("need at least three (size, loss) pairs of equal length")
    x = np.log(size)
    floors = np.linspace(0.0, loss.min(), n_grid + 1)[:-1]  # every floor below all losses
    y = np.log(loss[None, :] - floors[:, None])
    x_centred = x - x.mean()
    slopes = (y - y.mean(axis=1, keepdims=True)) @ x_centred / (x_centred @ x_centred)
    intercepts = y.mean(axis=1) - slopes * x.mean()
    falling = slopes < 0
    if not falling.any():
        raise ValueError("the loss does not fall with size: no power law to fit")
    predicted = floors[:, None] + np.exp(intercepts[:, None] + slopes[:, None] * x[None, :])
    errors = np.where(falling, ((predicted - loss) ** 2).sum(axis=1), np.inf)
    best = int(np.argmin(errors))
    alpha = -slopes[best]
    return float(floors[best]), float(np.exp(intercepts[best] / alpha)), float(alpha)


# ---------------------------------------------------------------------------------------------
# Emergence score
# ---------------------------------------------------------------------------------------------


def emergence_score(scales: ArrayLike, scores: ArrayLike) -> float:
    """BIG-bench emergence score of a performance curve.

    With the scores ``y_1 .. y_n`` ordered by increasing scale,

        sign(argmax y - argmin y) * (max y - min y) / sqrt(median_i (y_{i+1} - y_i)**2)

    (Srivastava et al. 2022; Eq. 1 of Schaeffer et al. 2023). Large when most of the rise
    happens in a few of the steps, small for a steady ramp; positive when the best score comes
    at a larger scale than the worst. If the median squared step is 0 the score is infinite
    (or NaN for a flat curve).

    Parameters
    ----------
    scales
        Model sizes (or compute), in any order.
    scores
        The metric at each scale, same length, at least two points.
    """
    x = np.asarray(scales, dtype=np.float64)
    y = np.asarray(scores, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError("need two one-dimensional arrays of equal length (at least 2)")
    y = y[np.argsort(x, kind="stable")]
    direction = np.sign(np.argmax(y) - np.argmin(y))
    spread = np.sqrt(np.median(np.diff(y) ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(direction * (y.max() - y.min()) / spread)


# ---------------------------------------------------------------------------------------------
# The addition experiment
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdditionRun:
    """Settings of one training run of the addition MLP.

    Attributes
    ----------
    digits
        ``k``: both operands have ``k`` digits (leading zeros allowed); the answer has ``k+1``.
    width
        Hidden units in each of the two ReLU layers.
    steps
        Adam updates, each on a fresh batch of random problems (no example is seen twice in
        practice, so training compute and training data grow together).
    batch_size, learning_rate
        Adam's batch and step size (betas 0.9, 0.999).
    seed
        Seeds the initial weights and the training batches.
    """

    digits: int = 4
    width: int = 64
    steps: int = 3000
    batch_size: int = 256
    learning_rate: float = 3e-3
    seed: int = 0


def operand_digits(x: ArrayLike, n_digits: int) -> NDArray[np.int64]:
    """Digits of non-negative integers, most significant first, padded with zeros."""
    x = np.asarray(x, dtype=np.int64)
    powers = 10 ** np.arange(n_digits - 1, -1, -1, dtype=np.int64)
    return (x[..., None] // powers) % 10


def sample_problems(rng: np.random.Generator, digits: int, n: int
                    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw ``n`` pairs of uniform random ``digits``-digit operands ``(a, b)``."""
    high = 10 ** digits
    return rng.integers(0, high, n), rng.integers(0, high, n)


def encode_problems(a: ArrayLike, b: ArrayLike, digits: int
                    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Inputs and targets of the addition task.

    Returns
    -------
    inputs
        Shape ``(n, 20 * digits)``: one-hot codes of each operand digit, ``a`` then ``b``.
    answers
        Shape ``(n, digits + 1)``: the digits of ``a + b``, most significant first.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    both = np.concatenate([operand_digits(a, digits), operand_digits(b, digits)], axis=1)
    inputs = np.zeros((a.size, 20 * digits))
    columns = both + 10 * np.arange(2 * digits)
    inputs[np.arange(a.size)[:, None], columns] = 1.0
    return inputs, operand_digits(a + b, digits + 1)


def count_parameters(digits: int, width: int) -> int:
    """Weights and biases of the two-hidden-layer MLP for ``digits``-digit addition."""
    n_in, n_out = 20 * digits, 10 * (digits + 1)
    return (n_in + 1) * width + (width + 1) * width + (width + 1) * n_out


def training_flops(parameters: ArrayLike, examples: ArrayLike) -> NDArray[np.float64]:
    """Training compute by the usual estimate ``C = 6 N D`` (forward 2N, backward 4N per example).

    For a language model ``D`` counts tokens; for the addition MLP it counts problems seen.
    """
    return 6.0 * np.asarray(parameters, np.float64) * np.asarray(examples, np.float64)


def init_mlp(rng: np.random.Generator, digits: int, width: int) -> list[NDArray[np.float64]]:
    """He-initialised weights (zero biases) ``[W1, b1, W2, b2, W3, b3]`` of the MLP."""
    n_in, n_out = 20 * digits, 10 * (digits + 1)
    return [
        rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, width)), np.zeros(width),
        rng.normal(0.0, np.sqrt(2.0 / width), (width, width)), np.zeros(width),
        rng.normal(0.0, np.sqrt(1.0 / width), (width, n_out)), np.zeros(n_out),
    ]


def _forward(params: Sequence[NDArray[np.float64]], inputs: NDArray[np.float64]
             ) -> tuple[NDArray[np.float64], tuple[NDArray[np.float64], ...]]:
    """Log-probabilities ``(n, positions, 10)`` and the hidden activations for backprop."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(inputs @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    logits = (h2 @ w3 + b3).reshape(inputs.shape[0], -1, 10)
    logits = logits - logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    return log_probs, (h1, h2)


def answer_log_probs(params: Sequence[NDArray[np.float64]], inputs: ArrayLike
                     ) -> NDArray[np.float64]:
    """Log-probabilities the MLP gives each digit at each answer position, ``(n, k+1, 10)``."""
    return _forward(params, np.asarray(inputs, dtype=np.float64))[0]


def loss_and_gradients(params: Sequence[NDArray[np.float64]], inputs: NDArray[np.float64],
                       answers: NDArray[np.int64]
                       ) -> tuple[float, list[NDArray[np.float64]]]:
    """Mean cross-entropy per answer digit (nats) and its gradients with respect to ``params``."""
    w1, _, w2, _, w3, _ = params
    log_probs, (h1, h2) = _forward(params, inputs)
    n, positions, _ = log_probs.shape
    picked = np.take_along_axis(log_probs, answers[..., None], axis=-1)
    loss = -float(picked.mean())
    d_logits = np.exp(log_probs)
    np.put_along_axis(d_logits, answers[..., None], np.exp(picked) - 1.0, axis=-1)
    d_logits = d_logits.reshape(n, -1) / (n * positions)
    d_h2 = (d_logits @ w3.T) * (h2 > 0)
    d_h1 = (d_h2 @ w2.T) * (h1 > 0)
    grads = [inputs.T @ d_h1, d_h1.sum(0), h1.T @ d_h2, d_h2.sum(0),
             h2.T @ d_logits, d_logits.sum(0)]
    return loss, grads


def edit_distances(predicted: NDArray[np.int64], target: NDArray[np.int64]
                   ) -> NDArray[np.float64]:
    """Row-wise Levenshtein distances between two integer arrays (vectorised over rows).

    Same result as :func:`token_edit_distance` on the rows, much faster for many answers.
    """
    predicted = np.asarray(predicted)
    target = np.asarray(target)
    n, len_p = predicted.shape
    len_t = target.shape[1]
    previous = np.tile(np.arange(len_t + 1, dtype=np.float64), (n, 1))
    for i in range(1, len_p + 1):
        current = np.empty_like(previous)
        current[:, 0] = i
        for j in range(1, len_t + 1):
            substitute = previous[:, j - 1] + (predicted[:, i - 1] != target[:, j - 1])
            current[:, j] = np.minimum(np.minimum(previous[:, j], current[:, j - 1]) + 1,
                                       substitute)
        previous = current
    return previous[:, -1]


def score_answers(log_probs: ArrayLike, answers: ArrayLike) -> dict[str, Any]:
    """Score the same greedy answers by every metric of the lesson.

    Parameters
    ----------
    log_probs
        ``(n, positions, 10)`` log-probabilities of each digit.
    answers
        ``(n, positions)`` correct digits.

    Returns
    -------
    dict
        ``loss`` (cross-entropy, nats per digit), ``per_digit_accuracy``, ``exact_match``,
        ``log_likelihood`` (nats per answer), ``brier`` (per digit), ``edit_distance`` (digits
        per answer) and ``position_accuracy`` (array, one per answer position).
    """
    log_probs = np.asarray(log_probs, dtype=np.float64)
    answers = np.asarray(answers)
    predicted = log_probs.argmax(axis=-1)
    correct = predicted == answers
    picked = np.take_along_axis(log_probs, answers[..., None], axis=-1)[..., 0]
    probs = np.exp(log_probs)
    one_hot = np.zeros_like(probs)
    np.put_along_axis(one_hot, answers[..., None], 1.0, axis=-1)
    return {
        "loss": float(-picked.mean()),
        "per_digit_accuracy": float(correct.mean()),
        "exact_match": float(correct.all(axis=1).mean()),
        "log_likelihood": float(picked.sum(axis=1).mean()),
        "brier": float(((probs - one_hot) ** 2).sum(axis=-1).mean()),
        "edit_distance": float(edit_distances(predicted, answers).mean()),
        "position_accuracy": correct.mean(axis=0),
    }


def held_out_problems(digits: int, n: int = 2000, seed: int = 12345
                  ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The fixed held-out problems every run is scored on (same for every width and seed)."""
    a, b = sample_problems(np.random.default_rng(seed), digits, n)
    return encode_problems(a, b, digits)


def train_addition(run: AdditionRun, eval_steps: Sequence[int], *, n_test: int = 2000
                   ) -> list[dict[str, Any]]:
    """Train the MLP on ``run.digits``-digit addition and score it at ``eval_steps``.

    The initial weights come from ``default_rng([seed, 1])`` and the training batches from
    ``default_rng([seed, 2])``, so runs of different widths with one seed see the same problems.
    Results are deterministic for a given machine and numpy build.

    Returns
    -------
    list of dict
        One row per evaluation step: ``step``, ``examples`` (problems seen), ``parameters``,
        ``flops`` (6 N D) and the metrics of :func:`score_answers`.
    """
    eval_steps = sorted({int(s) for s in eval_steps})
    if not eval_steps or eval_steps[0] < 1 or eval_steps[-1] > run.steps:
        raise ValueError("evaluation steps must lie between 1 and run.steps")
    params = init_mlp(np.random.default_rng([run.seed, 1]), run.digits, run.width)
    data_rng = np.random.default_rng([run.seed, 2])
    test_inputs, test_answers = held_out_problems(run.digits, n_test)
    n_params = count_parameters(run.digits, run.width)
    first, second = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    beta_1, beta_2, eps = 0.9, 0.999, 1e-8
    rows = []
    wanted = set(eval_steps)
    for step in range(1, eval_steps[-1] + 1):
        inputs, answers = encode_problems(*sample_problems(data_rng, run.digits,
                                                           run.batch_size), run.digits)
        _, grads = loss_and_gradients(params, inputs, answers)
        for p, g, m, v in zip(params, grads, first, second):
            m *= beta_1
            m += (1 - beta_1) * g
            v *= beta_2
            v += (1 - beta_2) * g * g
            p -= run.learning_rate * (m / (1 - beta_1 ** step)) / (
                np.sqrt(v / (1 - beta_2 ** step)) + eps)
        if step in wanted:
            examples = step * run.batch_size
            scores = score_answers(answer_log_probs(params, test_inputs), test_answers)
            rows.append({"step": step, "examples": examples, "parameters": n_params,
                         "flops": float(training_flops(n_params, examples)), **scores})
    return rows


# ---------------------------------------------------------------------------------------------
# Data files
# ---------------------------------------------------------------------------------------------

#: Tasks of GPT-3's arithmetic suite as labelled in Brown et al. (2020), Table 3.9.
GPT3_TASKS: tuple[str, ...] = ("2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-",
                               "2Dx", "1DC")

#: Training tokens of every GPT-3 model (Brown et al. 2020, Table 2.1).
GPT3_TOKENS = 300e9

#: Scale at which Wei et al. (2022, Table 1) place the emergence of GPT-3's few-shot arithmetic:
#: task -> (training FLOPs, parameters).
WEI_THRESHOLDS: dict[str, tuple[float, float]] = {
    "3-digit addition/subtraction": (2.3e22, 13e9),
    "4-5-digit addition/subtraction": (3.1e23, 175e9),
}


def load_gpt3_arithmetic() -> dict[str, Any]:
    """GPT-3 few-shot arithmetic accuracy by model size, from ``data/gpt3_arithmetic.csv``.

    Returns
    -------
    dict
        ``model`` (names), ``parameters``, ``tokens``, ``flops`` (6 N D), ``checked`` (which
        rows were compared with the paper's Table 3.9) and one array of accuracies **in percent**
        per task of :data:`GPT3_TASKS`.
    """
    from phaselab.data import read_csv

    table = read_csv("gpt3_arithmetic.csv")
    parameters = np.array(table["parameters"], dtype=np.float64)
    tokens = np.array(table["training_tokens"], dtype=np.float64)
    result: dict[str, Any] = {
        "model": list(table["model"]), "parameters": parameters, "tokens": tokens,
        "flops": training_flops(parameters, tokens), "checked": list(table["checked"]),
    }
    for task in GPT3_TASKS:
        result[task] = np.array(table[task], dtype=np.float64)
    return result


#: Numeric columns of ``data/emergence_sweep.csv``.
SWEEP_COLUMNS: tuple[str, ...] = (
    "digits", "width", "seed", "step", "examples", "parameters", "flops", "loss",
    "per_digit_accuracy", "exact_match", "log_likelihood", "brier", "edit_distance",
)


def load_emergence_sweep() -> dict[str, NDArray[np.float64]]:
    """The course's addition sweep, ``data/emergence_sweep.csv``, as numeric columns.

    Besides :data:`SWEEP_COLUMNS` it returns ``position_accuracy``, an array of shape
    ``(rows, digits + 1)``.
    """
    from phaselab.data import read_csv

    table = read_csv("emergence_sweep.csv")
    result = {name: np.array(table[name], dtype=np.float64) for name in SWEEP_COLUMNS}
    positions = sorted((c for c in table if c.startswith("accuracy_position_")),
                       key=lambda c: int(c.rsplit("_", 1)[1]))
    result["position_accuracy"] = np.array([table[c] for c in positions], dtype=np.float64).T
    return result
