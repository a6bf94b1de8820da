"""Double descent: random-features regression, its interpolation peak, and the theory behind it.

Lesson 05 imports everything from here. The set-up is a random-features experiment in the spirit
of Belkin et al. (2019), who used random Fourier features on MNIST: Gaussian inputs
``x ~ N(0, I_d)``, a linear teacher ``f(x) = x . beta`` with ``|beta| = 1``, noisy training labels
``y = f(x) + sigma * eps``, and a model that is linear in ``P`` random ReLU features. Test risk is
always measured against the clean target ``f``, so it is the *excess* risk: add ``sigma**2`` to
compare with a test MSE on noisy labels.

The module has five parts:

* tasks, features and fits (:func:`make_task`, :func:`relu_features`, :func:`min_norm_fit`,
  :func:`ridge_fit`, :func:`test_risk_curve`, :func:`peak_feature_count`);
* a cached spectral sweep (:class:`SpectralSweep`): one SVD per (repeat, number of features)
  serves every noise level, ridge strength and gradient-descent time afterwards;
* the closed-form risk of minimum-norm least squares for isotropic linear regression
  (Hastie et al. 2022) and a simulation to check it against;
* sample-wise non-monotonicity (more data can hurt);
* gradient descent paths, for epoch-wise double descent and the "train longer or scale up?"
  question.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Default input dimension of the teacher task.
INPUT_DIM = 20

# ---------------------------------------------------------------------------------------------
# Tasks, features and fits
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherTask:
    """One draw of a regression task with a linear teacher and random feature weights.

    Attributes
    ----------
    x_train, x_test
        Inputs, shapes ``(n_train, d)`` and ``(n_test, d)``.
    f_train, f_test
        The clean teacher outputs ``x . beta`` (``|beta| = 1``, so their variance is 1).
    noise_train
        Standard-normal label noise; the labels at noise level ``sigma`` are
        ``f_train + sigma * noise_train`` (see :meth:`labels`).
    weights
        Random first-layer weights, shape ``(d, max_features)``, entries ``N(0, 1/d)``.
        A model with ``P`` features uses the first ``P`` columns, so the models of a sweep are
        nested.
    """

    x_train: FloatArray
    f_train: FloatArray
    noise_train: FloatArray
    x_test: FloatArray
    f_test: FloatArray
    weights: FloatArray

    def labels(self, sigma: float) -> FloatArray:
        """Training labels at noise level ``sigma`` (the same noise draw for every ``sigma``)."""
        return self.f_train + sigma * self.noise_train


def make_task(
    n_train: int,
    *,
    n_test: int = 500,
    input_dim: int = INPUT_DIM,
    max_features: int = 2000,
    seed: int | np.random.SeedSequence = 0,
) -> TeacherTask:
    """Draw a teacher task: Gaussian inputs, a unit-norm linear teacher and feature weights.

    Parameters
    ----------
    n_train, n_test
        Numbers of training and test points.
    input_dim
        Dimension ``d`` of the inputs.
    max_features
        Number of random features drawn (columns of ``weights``).
    seed
        Seed of the draw; equal seeds give equal tasks.

    Returns
    -------
    TeacherTask
    """
    rng = np.random.default_rng(seed)
    beta = rng.standard_normal(input_dim)
    beta /= np.linalg.norm(beta)
    x_train = rng.standard_normal((n_train, input_dim))
    x_test = rng.standard_normal((n_test, input_dim))
    noise = rng.standard_normal(n_train)
    weights = rng.standard_normal((input_dim, max_features)) / np.sqrt(input_dim)
    return TeacherTask(
        x_train=x_train, f_train=x_train @ beta, noise_train=noise,
        x_test=x_test, f_test=x_test @ beta, weights=weights,
    )


def relu_features(x: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Random ReLU features ``max(x W, 0) / sqrt(P)``.

    Parameters
    ----------
    x
        Inputs, shape ``(n, d)``.
    weights
        Feature weights ``W``, shape ``(d, P)``.

    Returns
    -------
    numpy.ndarray
        Features, shape ``(n, P)``. The ``1/sqrt(P)`` keeps ``|phi(x)|**2`` of order one
        whatever ``P``, so one ridge strength means the same thing for every model size.
    """
    x = np.asarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    return np.maximum(x @ weights, 0.0) / np.sqrt(weights.shape[1])


def spectral_gains(s: ArrayLike, lam: float = 0.0, rcond: float = 1e-12) -> FloatArray:
    """Gains ``g(s)`` of a least-squares fit written as ``a = V diag(g) U^T y``.

    Minimum norm (``lam = 0``): ``1/s``, except for singular values below ``rcond`` times the
    largest one (numerically zero), and padding zeros, which get 0. Ridge (``lam > 0``):
    ``s / (s**2 + lam)``, never larger than ``1 / (2 sqrt(lam))``: ridge caps the amplification
    of small singular values.

    Parameters
    ----------
    s
        Singular values, last axis per problem.
    lam
        Ridge strength; 0 for the minimum-norm solution.
    rcond
        Relative cut-off of the minimum-norm solution.
    """
    s = np.asarray(s, dtype=np.float64)
    if lam < 0:
        raise ValueError("the ridge strength must be non-negative")
    if lam > 0:
        return s / (s**2 + lam)
    largest = s.max(axis=-1, keepdims=True, initial=0.0)
    keep = s > largest * rcond
    return np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)


def ridge_fit(features: ArrayLike, y: ArrayLike, lam: float) -> FloatArray:
    """Ridge regression: minimise ``|Z a - y|**2 + lam |a|**2``; ``lam = 0`` gives min-norm.

    Computed from one SVD of ``Z``, so it works for any shape and rank of ``Z``.

    Parameters
    ----------
    features
        ``Z``, shape ``(n, P)``.
    y
        Targets, shape ``(n,)``.
    lam
        Ridge strength (non-negative).

    Returns
    -------
    numpy.ndarray
        Coefficients ``a``, shape ``(P,)``.
    """
    z = np.asarray(features, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    gains = spectral_gains(s, lam, rcond=max(z.shape) * np.finfo(np.float64).eps)
    return vt.T @ (gains * (u.T @ y))


def min_norm_fit(features: ArrayLike, y: ArrayLike) -> FloatArray:
    """Minimum-norm least squares: the smallest ``a`` among the minimisers of ``|Z a - y|``.

    With fewer features than points (and full rank) this is ordinary least squares; with more,
    it is the interpolating solution of least norm, the one gradient descent from zero finds.
    Equal to ``numpy.linalg.pinv(Z) @ y``.
    """
    return ridge_fit(features, y, 0.0)


def mean_squared_error(prediction: ArrayLike, target: ArrayLike) -> float:
    """Mean of ``(prediction - target)**2``."""
    difference = np.asarray(prediction, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(difference**2))


def test_risk_curve(
    x_train: ArrayLike,
    y_train: ArrayLike,
    x_test: ArrayLike,
    f_test: ArrayLike,
    weights: ArrayLike,
    feature_counts: Sequence[int],
) -> FloatArray:
    """Test risk of the minimum-norm random-features fit for each number of features.

    For each ``P`` in ``feature_counts`` the model uses the first ``P`` columns of ``weights``,
    is fitted with :func:`min_norm_fit` on ``(x_train, y_train)``, and scored by its mean squared
    error against the clean targets ``f_test``.

    Returns
    -------
    numpy.ndarray
        One risk per entry of ``feature_counts``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    risks = []
    for count in feature_counts:
        w = weights[:, : int(count)]
        coefficients = min_norm_fit(relu_features(x_train, w), y_train)
        risks.append(mean_squared_error(relu_features(x_test, w) @ coefficients, f_test))
    return np.asarray(risks)


test_risk_curve.__test__ = False  # a lesson function, not a test: keep pytest from collecting it


def peak_feature_count(feature_counts: Sequence[int], risks: ArrayLike) -> int:
    """The number of features at which the median risk over repeats is largest.

    Parameters
    ----------
    feature_counts
        The model sizes of a sweep, length ``K``.
    risks
        Test risks, shape ``(repeats, K)``.

    Returns
    -------
    int
        The entry of ``feature_counts`` with the largest median risk. The median, not the mean:
        near the peak a single unlucky draw can be a hundred times the typical value.
    """
    risks = np.asarray(risks, dtype=np.float64)
    if risks.ndim != 2 or risks.shape[1] != len(feature_counts):
        raise ValueError("risks must have shape (repeats, len(feature_counts))")
    return int(np.asarray(feature_counts)[np.argmax(np.median(risks, axis=0))])


@contextmanager
def reference_building_blocks(
    namespace: MutableMapping[str, Any],
    names: Sequence[str] = ("relu_features", "min_norm_fit"),
) -> Iterator[None]:
    """Bind this module's versions of ``names`` in ``namespace`` for the length of a with-block.

    The test of the lesson's sweep exercise runs the learner's sweep inside this block, so that a
    slip in the feature map or the fit (graded by their own exercises) is not counted twice. The
    learner's own functions are put back afterwards, even if the block raises.

    Parameters
    ----------
    namespace
        Usually the notebook's ``globals()``.
    names
        Names of functions of this module to bind.
    """
    missing = object()
    saved = {name: namespace.get(name, missing) for name in names}
    try:
        for name in names:
            namespace[name] = globals()[name]
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


# ---------------------------------------------------------------------------------------------
# The cached spectral sweep
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SweepEntry:
    """What one number of features needs, for every repeat (leading axis ``R``).

    With ``Z = U diag(s) V^T`` the training features and ``A = Z_test V``, a fit with gains
    ``g`` has coefficients ``c = g * (U^T f + sigma U^T eps)`` in the basis ``V``, and its test
    risk is ``(c^T G c - 2 h^T c + q) / n_test`` with ``G = A^T A``, ``h = A^T f_test`` and
    ``q = |f_test|**2``.
    """

    s: FloatArray  # (R, k) singular values of the training features
    u_signal: FloatArray  # (R, k) U^T f_train
    u_noise: FloatArray  # (R, k) U^T eps
    gram: FloatArray  # (R, k, k) G
    cross: FloatArray  # (R, k) h
    target_power: FloatArray  # (R,) q


@dataclass(frozen=True)
class SpectralSweep:
    """Random-features fits over a sweep of model sizes, reduced to their spectra.

    Build one with :func:`build_spectral_sweep`; evaluate it with :func:`sweep_risks` (any noise
    level and ridge strength) or :func:`sweep_gd_risks` (gradient descent after any number of
    steps). Every evaluation is a few small matrix-vector products per model size.

    Attributes
    ----------
    n_train, n_test
        Numbers of training and test points.
    feature_counts
        The model sizes ``P``, increasing.
    entries
        One :class:`_SweepEntry` per model size.
    """

    n_train: int
    n_test: int
    feature_counts: tuple[int, ...]
    entries: tuple[_SweepEntry, ...]

    @property
    def repeats(self) -> int:
        """Number of independent draws (task, noise and features) per model size."""
        return self.entries[0].s.shape[0]


def default_feature_counts(n_train: int = 100, max_features: int = 2000) -> tuple[int, ...]:
    """A sweep from 10 features to ``max_features``: log-spaced, dense around ``P = n_train``."""
    coarse = np.geomspace(10, max_features, 22)
    near = n_train * np.array([0.6, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5])
    counts = np.unique(np.round(np.concatenate([coarse, near])).astype(int))
    return tuple(int(c) for c in counts if 1 <= c <= max_features)


def _sweep_entry(tasks: Sequence[TeacherTask], test_features: Sequence[FloatArray],
                 count: int) -> _SweepEntry:
    """Decompose the ``count``-feature model of every task (see :class:`_SweepEntry`).

    ``test_features`` holds, per task, the test features of the largest model without the
    ``1/sqrt(P)`` factor; the first ``count`` columns, rescaled, are this model's.
    """
    parts: dict[str, list[FloatArray]] = {name: [] for name in _SweepEntry.__dataclass_fields__}
    for task, raw_test in zip(tasks, test_features):
        u, s, vt = np.linalg.svd(relu_features(task.x_train, task.weights[:, :count]),
                                 full_matrices=False)
        projected = (raw_test[:, :count] @ vt.T) / np.sqrt(count)
        parts["s"].append(s)
        parts["u_signal"].append(u.T @ task.f_train)
        parts["u_noise"].append(u.T @ task.noise_train)
        parts["gram"].append(projected.T @ projected)
        parts["cross"].append(projected.T @ task.f_test)
        parts["target_power"].append(np.asarray(task.f_test @ task.f_test))
    return _SweepEntry(**{name: np.stack(values) for name, values in parts.items()})


def build_spectral_sweep(
    n_train: int = 100,
    feature_counts: Sequence[int] | None = None,
    *,
    repeats: int = 5,
    seed: int = 0,
    n_test: int = 500,
    input_dim: int = INPUT_DIM,
) -> SpectralSweep:
    """Draw ``repeats`` tasks and decompose the random-features model at every size.

    Parameters
    ----------
    n_train
        Number of training points.
    feature_counts
        Model sizes; default :func:`default_feature_counts`.
    repeats
        Independent draws (teacher, data, noise and feature weights).
    seed
        Seed of the whole sweep.
    n_test
        Test points per draw.
    input_dim
        Input dimension ``d``.

    Returns
    -------
    SpectralSweep
    """
    counts = tuple(sorted({int(c) for c in (feature_counts or default_feature_counts(n_train))}))
    if counts[0] < 1:
        raise ValueError("feature counts must be positive")
    seeds = np.random.SeedSequence(seed).spawn(repeats)
    tasks = [make_task(n_train, n_test=n_test, input_dim=input_dim, max_features=counts[-1],
                       seed=s) for s in seeds]
    raw_test = [np.maximum(task.x_test @ task.weights, 0.0) for task in tasks]
    entries = tuple(_sweep_entry(tasks, raw_test, count) for count in counts)
    return SpectralSweep(n_train=n_train, n_test=n_test, feature_counts=counts, entries=entries)


def _entry_risks(entry: _SweepEntry, sigma: float, gains: FloatArray, n_test: int) -> FloatArray:
    """Test risks ``(R,)`` or ``(R, T)`` of one sweep entry for gains ``(R, k)``/``(R, k, T)``."""
    projected = entry.u_signal + sigma * entry.u_noise
    squeeze = gains.ndim == 2
    c = gains[..., None] * projected[:, :, None] if squeeze else gains * projected[:, :, None]
    quadratic = np.sum(c * (entry.gram @ c), axis=1)  # (R, T)
    linear = np.sum(entry.cross[:, :, None] * c, axis=1)
    risk = np.maximum(quadratic - 2 * linear + entry.target_power[:, None], 0.0) / n_test
    return risk[:, 0] if squeeze else risk


def sweep_risks(sweep: SpectralSweep, sigma: float, lam: float = 0.0) -> FloatArray:
    """Test risks of ridge (or, with ``lam = 0``, minimum-norm) fits over a cached sweep.

    Parameters
    ----------
    sweep
        From :func:`build_spectral_sweep`.
    sigma
        Label-noise standard deviation.
    lam
        Ridge strength, in the convention of :func:`ridge_fit`.

    Returns
    -------
    numpy.ndarray
        Risks against the clean target, shape ``(repeats, len(feature_counts))``.
    """
    columns = [_entry_risks(e, sigma, spectral_gains(e.s, lam), sweep.n_test)
               for e in sweep.entries]
    return np.stack(columns, axis=1)


def sweep_bias_variance(
    sweep: SpectralSweep, sigma: float, lam: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """Split the expected test risk of each fit into a noise-free part and a noise part.

    ``bias`` is the risk of the fit to noise-free labels (approximation error, and for a
    misspecified model its interplay with conditioning); ``variance`` is the average extra risk
    the label noise adds, ``sigma**2 sum_i g_i**2 G_ii / n_test``, exact over the noise for the
    drawn inputs. Their sum is the risk averaged over noise draws.

    Returns
    -------
    (bias, variance)
        Each of shape ``(repeats, len(feature_counts))``.
    """
    bias, variance = [], []
    for entry in sweep.entries:
        gains = spectral_gains(entry.s, lam)
        bias.append(_entry_risks(entry, 0.0, gains, sweep.n_test))
        diagonal = np.diagonal(entry.gram, axis1=1, axis2=2)
        variance.append(sigma**2 * np.sum(gains**2 * diagonal, axis=1) / sweep.n_test)
    return np.stack(bias, axis=1), np.stack(variance, axis=1)


def gradient_descent_gains(s: ArrayLike, steps: ArrayLike, learning_rate: ArrayLike) -> FloatArray:
    """Gains of gradient descent on ``|Z a - y|**2 / 2`` from ``a = 0`` after ``steps`` steps.

    Each step ``a <- a - eta Z^T (Z a - y)`` shrinks the residual along singular direction ``i``
    by ``1 - eta s_i**2``, so after ``t`` steps ``g_i = (1 - (1 - eta s_i**2)**t) / s_i``: the
    large singular values are fitted first, the small ones (where noise hides) last. As
    ``t -> inf`` this tends to the minimum-norm gains ``1/s``.

    Parameters
    ----------
    s
        Singular values, shape ``(..., k)``; zeros (padding) get zero gain.
    steps
        Step counts, shape ``(T,)``.
    learning_rate
        ``eta``, broadcastable to ``s`` without its last axis (one rate per problem), with
        ``eta * s_max**2 <= 1`` (every factor ``1 - eta s**2`` then lies in ``[0, 1)``).

    Returns
    -------
    numpy.ndarray
        Gains, shape ``(..., k, T)``.

    Raises
    ------
    ValueError
        If ``eta * s**2 > 1`` for some singular value.
    """
    s = np.asarray(s, dtype=np.float64)
    steps = np.asarray(steps, dtype=np.float64)
    eta = np.asarray(learning_rate, dtype=np.float64)[..., None]
    shrink = eta * s**2
    if np.any(shrink > 1.0 + 1e-9):
        raise ValueError("learning rate too large: need eta * s_max**2 <= 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_remaining = np.log1p(-np.minimum(shrink, 1.0))  # -inf where eta s**2 == 1
        fitted = -np.expm1(log_remaining[..., None] * steps)  # 1 - (1 - eta s**2)**t
        fitted = np.where(steps == 0, 0.0, fitted)
        gains = fitted / s[..., None]
    return np.where(s[..., None] > 0, gains, 0.0)


def sweep_gd_risks(
    sweep: SpectralSweep, sigma: float, steps: ArrayLike, lr_fraction: float = 1.0
) -> FloatArray:
    """Test risks of gradient descent after each number of ``steps``, for every model size.

    The learning rate of each fit is ``lr_fraction / s_max**2``, the usual stable choice.

    Returns
    -------
    numpy.ndarray
        Shape ``(repeats, len(feature_counts), len(steps))``.
    """
    columns = []
    for entry in sweep.entries:
        eta = lr_fraction / entry.s[:, 0] ** 2
        gains = gradient_descent_gains(entry.s, steps, eta)
        columns.append(_entry_risks(entry, sigma, gains, sweep.n_test))
    return np.stack(columns, axis=1)


def smallest_singular_values(sweep: SpectralSweep) -> FloatArray:
    """Smallest singular value of the training features, shape ``(repeats, len(counts))``."""
    return np.stack([entry.s[:, -1] for entry in sweep.entries], axis=1)


def interquartile(risks: ArrayLike, axis: int = 0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (25th percentile, median, 75th percentile) of ``risks`` along ``axis``."""
    low, median, high = np.percentile(np.asarray(risks, dtype=np.float64), [25, 50, 75],
                                      axis=axis)
    return low, median, high


def has_no_peak(risks: ArrayLike, tolerance: float = 0.25) -> bool:
    """Whether a risk curve never climbs more than ``tolerance`` above its running minimum.

    Parameters
    ----------
    risks
        A curve ordered by increasing model size.
    tolerance
        Allowed relative rise (0.25: a point may be up to 25 % above the best so far), which
        absorbs the sampling noise of a median over a few repeats.
    """
    risks = np.asarray(risks, dtype=np.float64)
    return bool(np.all(risks <= (1.0 + tolerance) * np.minimum.accumulate(risks)))


# ---------------------------------------------------------------------------------------------
# Theory: minimum-norm least squares for isotropic linear regression
# ---------------------------------------------------------------------------------------------


def min_norm_risk(p: ArrayLike, n: int, sigma: float, r: float = 1.0) -> FloatArray:
    """Expected risk of minimum-norm least squares, isotropic Gaussian features, finite ``n``.

    Model: ``x ~ N(0, I_p)``, ``y = x . beta + eps`` with ``Var(eps) = sigma**2`` and
    ``|beta| = r``; the estimate is ``pinv(X) y`` from ``n`` samples; the risk is
    ``E[(x0 . (beta_hat - beta))**2] = E|beta_hat - beta|**2`` (no test-label noise).

    * ``p <= n - 2``: ``sigma**2 p / (n - p - 1)`` (no bias: least squares is unbiased);
    * ``p >= n + 2``: ``r**2 (1 - n/p) + sigma**2 n / (p - n - 1)``;
    * ``n - 2 < p < n + 2``: ``inf``. For ``p = n-1, n, n+1`` the expected inverse of the Wishart
      matrix does not exist: its smallest eigenvalue is too often too close to zero, and the
      noise is amplified without bound on average (for any ``sigma > 0``).

    Parameters
    ----------
    p
        Number of features (scalar or array).
    n
        Number of training samples.
    sigma
        Label-noise standard deviation.
    r
        Norm of the true coefficients.

    Returns
    -------
    numpy.ndarray
        Risks, same shape as ``p``.
    """
    p = np.asarray(p, dtype=np.float64)
    risk = np.full(p.shape, np.inf)
    under = p <= n - 2
    over = p >= n + 2
    with np.errstate(divide="ignore", invalid="ignore"):
        risk = np.where(under, sigma**2 * p / (n - p - 1), risk)
        risk = np.where(over, r**2 * (1 - n / p) + sigma**2 * n / (p - n - 1), risk)
    return risk


def asymptotic_min_norm_risk(gamma: ArrayLike, sigma: float, r: float = 1.0) -> FloatArray:
    """The proportional limit ``p, n -> inf`` with ``p/n -> gamma`` of :func:`min_norm_risk`.

    ``sigma**2 gamma / (1 - gamma)`` for ``gamma < 1``; ``r**2 (1 - 1/gamma) + sigma**2 /
    (gamma - 1)`` for ``gamma > 1``; ``inf`` at ``gamma = 1``.
    """
    gamma = np.asarray(gamma, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        under = sigma**2 * gamma / (1 - gamma)
        over = r**2 * (1 - 1 / gamma) + sigma**2 / (gamma - 1)
    return np.where(gamma < 1, under, np.where(gamma > 1, over, np.inf))


def simulate_min_norm_risk(
    p: int, n: int, sigma: float, r: float = 1.0, *, trials: int = 200, seed: int = 0
) -> FloatArray:
    """Simulated risks ``|beta_hat - beta|**2`` of minimum-norm least squares, one per trial.

    Each trial draws ``X ~ N(0, 1)^(n x p)``, a ``beta`` of norm ``r`` in a random direction and
    noise of standard deviation ``sigma``, fits ``beta_hat = pinv(X) y`` (via the normal
    equations of the smaller Gram matrix, which give the same solution and are faster) and
    records the exact population risk of that fit.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // (n * p))  # bound the memory of one batch of designs
    risks = []
    for start in range(0, trials, chunk):
        size = min(chunk, trials - start)
        x = rng.standard_normal((size, n, p))
        beta = rng.standard_normal((size, p))
        beta *= r / np.linalg.norm(beta, axis=1, keepdims=True)
        y = np.einsum("tnp,tp->tn", x, beta) + sigma * rng.standard_normal((size, n))
        xt = np.swapaxes(x, 1, 2)
        if p <= n:
            estimate = np.linalg.solve(xt @ x, (xt @ y[..., None]))[..., 0]
        else:
            estimate = (xt @ np.linalg.solve(x @ xt, y[..., None]))[..., 0]
        risks.append(np.sum((estimate - beta) ** 2, axis=1))
    return np.concatenate(risks)


# ---------------------------------------------------------------------------------------------
# Sample-wise non-monotonicity
# ---------------------------------------------------------------------------------------------


def samplewise_risks(
    n_values: Sequence[int],
    n_features: int = 100,
    *,
    sigma: float = 0.5,
    lam: float = 0.0,
    repeats: int = 5,
    seed: int = 0,
) -> FloatArray:
    """Test risk of one fixed random-features model trained on more and more data.

    For each repeat, one task with ``max(n_values)`` training points is drawn; the model with
    ``n_features`` features is fitted on its first ``n`` points for each ``n`` (so the data sets
    are nested: each adds points to the previous one).

    Returns
    -------
    numpy.ndarray
        Shape ``(repeats, len(n_values))``.
    """
    n_values = [int(n) for n in n_values]
    out = np.empty((repeats, len(n_values)))
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(repeats)):
        task = make_task(max(n_values), max_features=n_features, seed=child)
        z_train = relu_features(task.x_train, task.weights)
        z_test = relu_features(task.x_test, task.weights)
        y = task.labels(sigma)
        for j, n in enumerate(n_values):
            coefficients = ridge_fit(z_train[:n], y[:n], lam)
            out[i, j] = mean_squared_error(z_test @ coefficients, task.f_test)
    return out


# ---------------------------------------------------------------------------------------------
# Epoch-wise double descent: features learned at different speeds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureGroup:
    """A block of input features with a common scale and share of the signal.

    Attributes
    ----------
    count
        Number of features in the block.
    scale
        Standard deviation of each feature; gradient descent learns a block at a speed that
        grows like ``scale**2``.
    signal
        Share of the target's variance carried by the block (the shares add up to 1).
    """

    count: int
    scale: float
    signal: float


#: Fast features with half the signal, slow features with the other half, and many faint,
#: uninformative ones that make the model over-parameterised (it can interpolate).
EPOCHWISE_GROUPS: tuple[FeatureGroup, ...] = (
    FeatureGroup(count=40, scale=1.0, signal=0.5),
    FeatureGroup(count=10, scale=0.1, signal=0.5),
    FeatureGroup(count=1000, scale=0.01, signal=0.0),
)


def epochwise_risks(
    steps: ArrayLike,
    groups: Sequence[FeatureGroup] = EPOCHWISE_GROUPS,
    *,
    n_train: int = 100,
    sigma: float = 0.7,
    lr_fraction: float = 0.2,
    repeats: int = 5,
    seed: int = 0,
    by_group: bool = False,
) -> FloatArray:
    """Test risk of full-batch gradient descent on a linear model, after each number of steps.

    Inputs are Gaussian with independent features whose scales are given by ``groups``; the
    teacher is linear with each group carrying its share of the signal; labels have noise
    ``sigma``. Gradient descent on the squared loss starts from zero with learning rate
    ``lr_fraction / s_max**2`` and is evaluated in closed form (:func:`gradient_descent_gains`).
    The risk is the exact population risk ``sum_j scale_j**2 (theta_j - beta_j)**2``.

    Returns
    -------
    numpy.ndarray
        Shape ``(repeats, len(steps))``; with ``by_group``, ``(repeats, len(groups),
        len(steps))``: each group's share of the risk (the shares add up to the risk).
    """
    steps = np.asarray(steps, dtype=np.float64)
    scales = np.concatenate([np.full(g.count, g.scale) for g in groups])
    group_of = np.repeat(np.arange(len(groups)), [g.count for g in groups])
    out = np.empty((repeats, len(groups), steps.size))
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(repeats)):
        rng = np.random.default_rng(child)
        parts = []
        for group in groups:
            direction = rng.standard_normal(group.count)
            parts.append(direction / np.linalg.norm(direction) * np.sqrt(group.signal)
                         / group.scale)
        beta = np.concatenate(parts)
        x = rng.standard_normal((n_train, scales.size)) * scales
        y = x @ beta + sigma * rng.standard_normal(n_train)
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        gains = gradient_descent_gains(s, steps, lr_fraction / s[0] ** 2)  # (k, T)
        theta = vt.T @ (gains * (u.T @ y)[:, None])  # (P, T)
        errors = (scales[:, None] * (theta - beta[:, None])) ** 2  # (P, T)
        for j in range(len(groups)):
            out[i, j] = errors[group_of == j].sum(axis=0)
    return out if by_group else out.sum(axis=1)


def gradient_descent_path(
    features: ArrayLike, y: ArrayLike, steps: int, learning_rate: float
) -> FloatArray:
    """Coefficients after ``steps`` explicit gradient-descent steps (a check of the closed form).

    Minimises ``|Z a - y|**2 / 2`` from ``a = 0`` with ``a <- a - eta Z^T (Z a - y)``.
    """
    z = np.asarray(features, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    a = np.zeros(z.shape[1])
    for _ in range(int(steps)):
        a -= learning_rate * (z.T @ (z @ a - y))
    return a


def scale_up_comparison(
    sweep: SpectralSweep, sigma: float, base_counts: Sequence[int], steps: ArrayLike,
    lr_fraction: float = 1.0,
) -> dict[int, tuple[FloatArray, FloatArray]]:
    """Median gradient-descent risk curves of each model size ``P`` and of its double ``2P``.

    Both sizes must be in ``sweep.feature_counts``.

    Returns
    -------
    dict
        ``{P: (median risk of P along steps, median risk of 2P along steps)}``.
    """
    paths = np.median(sweep_gd_risks(sweep, sigma, steps, lr_fraction), axis=0)
    index = {count: i for i, count in enumerate(sweep.feature_counts)}
    missing = [c for p in base_counts for c in (p, 2 * p) if c not in index]
    if missing:
        raise ValueError(f"feature counts {missing} are not in the sweep")
    return {int(p): (paths[index[p]], paths[index[2 * p]]) for p in base_counts}

