"""Phases of one training run, and the regimes that limit a run (lesson 02).

The module has four parts:

* a **Markov source** of tokens (a vocabulary of ``V`` tokens and a transition matrix) with its
  exact entropies: ``ln V`` for a uniform guess, the unigram entropy ``H(pi)`` of the stationary
  token frequencies and the conditional (bigram) entropy ``H(next | previous)``;
* **models of that source** and their exact population loss: a low-rank bigram model trained by
  SGD, whose loss sits on a plateau at the unigram entropy before it drops towards the bigram
  entropy, and a full bigram table fitted to a small sample, which memorises it;
* **diagnosing a run**: the rules that name the regime limiting it from what adding data,
  parameters or batch did, and Kaplan et al.'s critical batch size ``B_crit(L)``;
* **SGD noise** on linear regression: the predicted and the measured excess loss at which SGD
  with a constant learning rate settles, and the small regression runs behind the lesson's regime
  explorer (``data/phases_regimes.csv``).

Losses of the language-model parts are in nats (natural logarithms). Everything is pure numpy;
nothing runs at import time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------------------------------------
# The Markov source and its entropies
# ---------------------------------------------------------------------------------------------


class MarkovSource(NamedTuple):
    """A first-order Markov chain over ``V`` tokens, started in its stationary distribution.

    Attributes
    ----------
    stationary
        ``pi``, shape ``(V,)``: how often each token occurs in a long text.
    transition
        ``P``, shape ``(V, V)``: ``P[i, j]`` is the probability that token ``j`` follows ``i``.
    """

    stationary: NDArray[np.float64]
    transition: NDArray[np.float64]


class SourceEntropies(NamedTuple):
    """The three reference levels of a training curve on a Markov source, in nats."""

    log_vocab: float
    unigram: float
    bigram: float


def stationary_distribution(transition: ArrayLike) -> NDArray[np.float64]:
    """Return the stationary distribution ``pi`` of a row-stochastic matrix (``pi P = pi``).

    Parameters
    ----------
    transition
        A ``(V, V)`` matrix with non-negative rows summing to one, irreducible so that the
        stationary distribution is unique.

    Returns
    -------
    numpy.ndarray
        The left eigenvector of eigenvalue 1, normalised to sum to one.
    """
    transition = np.asarray(transition, dtype=np.float64)
    values, vectors = np.linalg.eig(transition.T)
    vector = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    vector = np.abs(vector)
    return vector / vector.sum()


def markov_source(vocab_size: int = 32, *, concentration: float = 0.1,
                  zipf_exponent: float = 1.5, seed: int = 0) -> MarkovSource:
    """Draw a random Markov source with skewed token frequencies and sparse transitions.

    Row ``i`` of the transition matrix is proportional to ``g_ij * j**(-zipf_exponent)`` with
    ``g_ij`` drawn from a Gamma(``concentration``) distribution: a small concentration makes each
    row put most of its mass on a few successors (strong local structure), and the Zipf factor
    makes some tokens much more popular than others overall (a unigram entropy well below
    ``ln V``).

    Parameters
    ----------
    vocab_size
        ``V``, the number of tokens.
    concentration
        Shape parameter of the Gamma draws (smaller is sparser).
    zipf_exponent
        Exponent of the popularity factor.
    seed
        Seed of the random draws; the same seed gives the same source.

    Returns
    -------
    MarkovSource
        The stationary distribution and the transition matrix.
    """
    rng = np.random.default_rng(seed)
    popularity = np.arange(1, vocab_size + 1, dtype=np.float64) ** (-zipf_exponent)
    weights = rng.gamma(concentration, size=(vocab_size, vocab_size)) * popularity
    transition = weights / weights.sum(axis=1, keepdims=True)
    return MarkovSource(stationary_distribution(transition), transition)


def _plogp(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Elementwise ``p ln p`` with the convention ``0 ln 0 = 0``."""
    return p * np.log(np.where(p > 0, p, 1.0))


def entropy(distribution: ArrayLike) -> float:
    """Shannon entropy ``-sum p ln p`` of a probability vector, in nats (``0 ln 0 = 0``)."""
    return float(-_plogp(np.asarray(distribution, dtype=np.float64)).sum())


def conditional_entropy(stationary: ArrayLike, transition: ArrayLike) -> float:
    """Entropy of the next token given the previous one, ``-sum_i pi_i sum_j P_ij ln P_ij``.

    This is the loss of a perfect bigram model: the best any model that sees only the previous
    token can do on this source.
    """
    stationary = np.asarray(stationary, dtype=np.float64)
    transition = np.asarray(transition, dtype=np.float64)
    return float(-(stationary * _plogp(transition).sum(axis=1)).sum())


def source_entropies(stationary: ArrayLike, transition: ArrayLike) -> SourceEntropies:
    """Return ``(ln V, H(pi), H(next | previous))`` in nats.

    These are the loss of a uniform guess, of a model that knows only the token frequencies,
    and of a model that knows the whole transition matrix; for any source
    ``ln V >= H(pi) >= H(next | previous)``.
    """
    stationary = np.asarray(stationary, dtype=np.float64)
    return SourceEntropies(float(np.log(stationary.size)), entropy(stationary),
                           conditional_entropy(stationary, transition))


def log_softmax(logits: ArrayLike) -> NDArray[np.float64]:
    """Log-probabilities from logits along the last axis, stable for logits of any size."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def expected_cross_entropy(stationary: ArrayLike, transition: ArrayLike,
                           logits: ArrayLike) -> float:
    """Exact population loss of a bigram model: ``-sum_i pi_i sum_j P_ij log q_ij``.

    Parameters
    ----------
    stationary, transition
        The Markov source.
    logits
        ``(V, V)``: row ``i`` holds the model's logits for the token after token ``i``; the
        model's probabilities are ``q_i = softmax(logits[i])``.

    Returns
    -------
    float
        The expected next-token loss in nats. It equals the conditional entropy plus the
        ``pi``-weighted KL divergence from the true rows to the model's rows.
    """
    stationary = np.asarray(stationary, dtype=np.float64)
    transition = np.asarray(transition, dtype=np.float64)
    return float(-(stationary[:, None] * transition * log_softmax(logits)).sum())


def random_logits_loss(vocab_size: int, logit_scale: float) -> float:
    """The approximate expected loss at initialisation with i.i.d. Gaussian logits.

    With logits of standard deviation ``s`` the loss is ``E[logsumexp(z)] - E[z_y]``, which for
    a large vocabulary is about ``ln V + s**2 / 2``: a random model starts slightly *above* the
    uniform guess, never below it on average.
    """
    return float(np.log(vocab_size) + 0.5 * logit_scale**2)


def sample_pairs(source: MarkovSource, size: int,
                 rng: np.random.Generator) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw ``size`` independent (previous, next) token pairs from the stationary chain."""
    last = source.stationary.size - 1
    previous = np.minimum(np.searchsorted(np.cumsum(source.stationary), rng.random(size)), last)
    cumulative = np.cumsum(source.transition, axis=1)
    following = (rng.random(size)[:, None] > cumulative[previous]).sum(axis=1)
    return previous, np.minimum(following, last)


# ---------------------------------------------------------------------------------------------
# Training: a low-rank bigram model by SGD, and a bigram table that memorises a sample
# ---------------------------------------------------------------------------------------------


@dataclass
class LowRankBigram:
    """Logits ``b + E[x] @ U`` for the token after ``x``: a bias and a rank-``r`` product.

    Attributes
    ----------
    bias
        ``b``, shape ``(V,)``: can learn the token frequencies on its own.
    embed
        ``E``, shape ``(V, r)``: one vector per previous token.
    unembed
        ``U``, shape ``(r, V)``: maps that vector to logits.
    """

    bias: NDArray[np.float64]
    embed: NDArray[np.float64]
    unembed: NDArray[np.float64]

    def logits(self) -> NDArray[np.float64]:
        """The ``(V, V)`` logits for every previous token."""
        return self.bias + self.embed @ self.unembed


@dataclass(frozen=True)
class TrainingCurve:
    """Losses recorded at increasing steps of one run (nats unless said otherwise)."""

    steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    heldout: NDArray[np.float64] | None = None


def log_spaced_steps(last: int, count: int = 60) -> NDArray[np.int64]:
    """About ``count`` distinct integer steps from 1 to ``last``, evenly spaced in log."""
    return np.unique(np.geomspace(1, last, count).round().astype(np.int64))


def init_low_rank(vocab_size: int, rank: int, scale: float,
                  rng: np.random.Generator) -> LowRankBigram:
    """A low-rank bigram model with a zero bias and Gaussian factors of std ``scale``."""
    return LowRankBigram(np.zeros(vocab_size), rng.normal(0.0, scale, (vocab_size, rank)),
                         rng.normal(0.0, scale, (rank, vocab_size)))


def _progress(iterable: Iterable[int], show: bool, total: int, label: str) -> Iterable[int]:
    """Wrap ``iterable`` in a progress bar when asked to."""
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=label, leave=False)


def train_low_rank(source: MarkovSource, *, rank: int = 8, init_scale: float = 1e-4,
                   learning_rate: float = 1.0, batch_size: int = 256, steps: int = 3000,
                   eval_steps: Sequence[int] | None = None, seed: int = 0,
                   progress: bool = False) -> TrainingCurve:
    """Train a :class:`LowRankBigram` by SGD on fresh samples; record its exact population loss.

    Each step draws ``batch_size`` new (previous, next) pairs, so there is no training set to
    memorise: the recorded loss is the expected cross-entropy on the source itself.

    Parameters
    ----------
    source
        The Markov source.
    rank
        The rank ``r`` of ``E @ U`` (the model's capacity for local structure).
    init_scale
        Standard deviation of the initial factors; small values make long plateaus.
    learning_rate, batch_size, steps
        Plain SGD settings.
    eval_steps
        Steps after which to record the loss (default: log-spaced up to ``steps``).
    seed
        Seed of the initialisation and of the samples.
    progress
        Show a progress bar.

    Returns
    -------
    TrainingCurve
        The recorded steps and population losses in nats.
    """
    rng = np.random.default_rng(seed)
    vocab_size = source.stationary.size
    model = init_low_rank(vocab_size, rank, init_scale, rng)
    record = set(int(s) for s in (log_spaced_steps(steps) if eval_steps is None else eval_steps))
    recorded_steps, losses = [], []
    rows = np.arange(batch_size)
    for step in _progress(range(1, steps + 1), progress, steps, f"rank {rank}"):
        previous, following = sample_pairs(source, batch_size, rng)
        embedded = model.embed[previous]
        probabilities = np.exp(log_softmax(model.bias + embedded @ model.unembed))
        probabilities[rows, following] -= 1.0
        grad_logits = probabilities / batch_size
        grad_embedded = grad_logits @ model.unembed.T
        model.unembed -= learning_rate * (embedded.T @ grad_logits)
        model.bias -= learning_rate * grad_logits.sum(axis=0)
        one_hot = np.zeros((vocab_size, batch_size))
        one_hot[previous, rows] = 1.0
        model.embed -= learning_rate * (one_hot @ grad_embedded)
        if step in record:
            recorded_steps.append(step)
            losses.append(expected_cross_entropy(*source, model.logits()))
    return TrainingCurve(np.array(recorded_steps, dtype=np.int64), np.array(losses))


def plateau_steps(curve: TrainingCurve, level: float, tolerance: float = 0.05
                  ) -> tuple[int, int] | None:
    """First and last recorded steps whose loss is within ``tolerance`` nats of ``level``.

    Returns ``None`` when the curve never comes that close. On a curve with a plateau at the
    unigram entropy this brackets the plateau.
    """
    near = np.flatnonzero(np.abs(curve.loss - level) <= tolerance)
    if near.size == 0:
        return None
    return int(curve.steps[near[0]]), int(curve.steps[near[-1]])


def plateau_escape_step(source: MarkovSource, init_scale: float, learning_rate: float) -> float:
    """Estimated step at which a low-rank model leaves the unigram plateau.

    On the plateau the bias has learned the token frequencies (every row of the model's
    probabilities is ``pi``) and the gradient of the loss with respect to the logits is
    ``G_ij = pi_i (pi_j - P_ij)``. The factors then grow as ``dE/dt = -eta G U^T`` and
    ``dU/dt = -eta E^T G``: along the top singular direction of ``G`` (singular value ``s1``)
    both grow like ``exp(eta s1 t)``, so their product, which starts near ``init_scale**2``,
    reaches order one after about ``ln(1 / init_scale**2) / (2 eta s1)`` steps. The estimate
    ignores the steps spent learning the frequencies and constant factors inside the log.
    """
    pi, transition = source
    gradient = pi[:, None] * (pi[None, :] - transition)
    top = float(np.linalg.svd(gradient, compute_uv=False)[0])
    return float(np.log(1.0 / init_scale**2) / (2.0 * learning_rate * top))


def bigram_counts(previous: ArrayLike, following: ArrayLike, vocab_size: int
                  ) -> NDArray[np.float64]:
    """Count matrix ``C[i, j]`` = how often token ``j`` follows token ``i`` in a sample."""
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (np.asarray(previous), np.asarray(following)), 1.0)
    return counts


def sample_conditional_entropy(counts: ArrayLike) -> float:
    """Conditional entropy of the next token given the previous one *in a sample* (nats).

    ``-sum_ij (C_ij / n) ln(C_ij / C_i)``: the lowest training loss a full bigram table can
    reach on that sample. Below the source's conditional entropy for small samples, because a
    row seen a few times looks more predictable than it is.
    """
    counts = np.asarray(counts, dtype=np.float64)
    row_totals = counts.sum(axis=1, keepdims=True)
    rows = np.divide(counts, row_totals, out=np.zeros_like(counts), where=row_totals > 0)
    return float(-(counts / counts.sum() * np.log(np.where(rows > 0, rows, 1.0))).sum())


def train_bigram_table(source: MarkovSource, counts: ArrayLike, *, learning_rate: float = 32.0,
                       steps: int = 5000, eval_steps: Sequence[int] | None = None
                       ) -> TrainingCurve:
    """Fit a full ``V x V`` table of logits to a fixed sample by full-batch gradient descent.

    The training loss is the cross-entropy on the sample (the empirical pair frequencies
    ``counts / counts.sum()``); the held-out loss is the exact expected cross-entropy on the
    source. With a small sample the table memorises it: the training loss keeps falling
    towards the sample's own conditional entropy while the held-out loss turns up.

    Returns
    -------
    TrainingCurve
        ``loss`` is the training loss and ``heldout`` the population loss, both in nats.
    """
    counts = np.asarray(counts, dtype=np.float64)
    frequencies = counts / counts.sum()
    row_mass = frequencies.sum(axis=1, keepdims=True)
    logits = np.zeros_like(frequencies)
    record = set(int(s) for s in (log_spaced_steps(steps) if eval_steps is None else eval_steps))
    recorded_steps, train, heldout = [], [], []
    for step in range(1, steps + 1):
        log_q = log_softmax(logits)
        logits -= learning_rate * (row_mass * np.exp(log_q) - frequencies)
        if step in record:
            log_q = log_softmax(logits)
            recorded_steps.append(step)
            train.append(float(-(frequencies * log_q).sum()))
            heldout.append(float(-(source.stationary[:, None] * source.transition * log_q).sum()))
    return TrainingCurve(np.array(recorded_steps, dtype=np.int64), np.array(train),
                         np.array(heldout))


# ---------------------------------------------------------------------------------------------
# Diagnosing a run
# ---------------------------------------------------------------------------------------------

#: The names :func:`diagnose_regime` may return.
REGIMES: tuple[str, ...] = (
    "optimizer-noise-limited",
    "compute-optimal",
    "data-limited",
    "capacity-limited",
    "distribution-mismatch",
    "inconclusive",
)

#: The experiments an observation reports, each as the change in held-out loss it caused.
EXPERIMENTS: tuple[str, ...] = ("more_data", "more_params", "bigger_batch")

#: A change "helps" when it lowers the held-out loss by at least this much (nats).
HELPS = 0.02
#: A gap (held-out minus training loss) above this is "large" (nats).
LARGE_GAP = 0.1

#: What to change first in each regime.
ADVICE: dict[str, str] = {
    "optimizer-noise-limited": "raise the batch size (towards B_crit) or lower/decay the "
                               "learning rate before judging model or data",
    "compute-optimal": "scale parameters and data together (about 20 tokens per parameter)",
    "data-limited": "get more (fresh) data; meanwhile regularise or stop early",
    "capacity-limited": "use a bigger model; more data or steps will not help",
    "distribution-mismatch": "check the held-out set and the data pipeline: is the held-out "
                             "set from the training distribution, and was the new data new?",
    "inconclusive": "run the missing experiment (more data, more parameters, bigger batch)",
}


def _tried(value: Any) -> bool:
    """An experiment was run if its result is a number that is not NaN."""
    return value is not None and not math.isnan(float(value))


def diagnose_regime(observation: Mapping[str, float], *, helps: float = HELPS,
                    large_gap: float = LARGE_GAP) -> str:
    """Name the regime that limits a run from what a few experiments did.

    Parameters
    ----------
    observation
        ``more_data``, ``more_params``, ``bigger_batch``: the change in held-out loss (new
        minus old) when fresh data from the training distribution were added, when the model
        was made bigger, and when the batch was made bigger (or the learning rate lower); NaN
        (or a missing key) when that experiment was not run. ``gap``: held-out minus training
        loss at the end of the run.
    helps
        A change helps when it lowers the held-out loss by at least this much.
    large_gap
        A gap above this is large.

    Returns
    -------
    str
        One of :data:`REGIMES`, by the first rule that applies:

        1. a bigger batch helps: ``optimizer-noise-limited``;
        2. more data and more parameters both help: ``compute-optimal``;
        3. only more data helps: ``data-limited``;
        4. only more parameters help: ``capacity-limited``;
        5. nothing tried helps and the gap is large: ``distribution-mismatch`` if more data was
           tried (a real generalisation gap would have shrunk), else ``data-limited``;
        6. nothing tried helps and the gap is small: ``capacity-limited`` if more data was tried
           but more parameters were not, else ``inconclusive``.
    """
    changes = {name: observation.get(name, math.nan) for name in EXPERIMENTS}
    tried = {name: _tried(value) for name, value in changes.items()}
    helped = {name: tried[name] and float(changes[name]) <= -helps for name in EXPERIMENTS}
    gap = observation.get("gap", math.nan)
    gap_is_large = _tried(gap) and float(gap) > large_gap
    if helped["bigger_batch"]:
        return "optimizer-noise-limited"
    if helped["more_data"] and helped["more_params"]:
        return "compute-optimal"
    if helped["more_data"]:
        return "data-limited"
    if helped["more_params"]:
        return "capacity-limited"
    if gap_is_large:
        return "distribution-mismatch" if tried["more_data"] else "data-limited"
    if tried["more_data"] and not tried["more_params"]:
        return "capacity-limited"
    return "inconclusive"


#: Kaplan et al. (2020), Eq. 1.4: B_crit(L) = B_STAR / L**(1 / ALPHA_B), in tokens.
B_STAR = 2e8
ALPHA_B = 0.21


def critical_batch_size(loss: ArrayLike, *, b_star: float = B_STAR,
                        alpha_b: float = ALPHA_B) -> NDArray[np.float64]:
    """Kaplan et al.'s critical batch size ``B_crit(L) = B* / L**(1/alpha_B)``, in tokens.

    Below ``B_crit`` a bigger batch buys almost proportionally fewer steps; far above it, extra
    batch is wasted compute. The fit is for their WebText2 models, losses in nats.
    """
    loss = np.asarray(loss, dtype=np.float64)
    return b_star / loss ** (1.0 / alpha_b)


def batch_overheads(batch: ArrayLike, b_crit: ArrayLike) -> tuple[NDArray[np.float64],
                                                                  NDArray[np.float64]]:
    """Kaplan et al.'s trade-off at batch ``B``: steps ``S/S_min`` and data ``E/E_min``.

    ``S/S_min = 1 + B_crit/B`` (Eq. 5.4) and ``E/E_min = 1 + B/B_crit`` (Eq. 5.5 in tokens):
    at ``B = B_crit`` a run takes twice the minimum number of steps and twice the minimum data.
    """
    ratio = np.asarray(b_crit, dtype=np.float64) / np.asarray(batch, dtype=np.float64)
    return 1.0 + ratio, 1.0 + 1.0 / ratio


# ---------------------------------------------------------------------------------------------
# SGD noise on linear regression
# ---------------------------------------------------------------------------------------------


def predicted_noise_floor(learning_rate: ArrayLike, batch_size: ArrayLike, dim: int,
                          noise_var: float) -> NDArray[np.float64]:
    """Small-learning-rate excess loss of SGD on ``0.5 E[(x.w - y)^2]``, ``x ~ N(0, I_dim)``.

    With label noise of variance ``sigma^2`` the minibatch gradient at the optimum has
    covariance ``sigma^2 I / B``; each coordinate of ``w - w*`` then settles at variance
    ``eta sigma^2 / (2B)`` and the loss ``0.5 |w - w*|^2`` above its minimum at
    ``eta sigma^2 dim / (4B)``: proportional to ``eta / B``.
    """
    eta = np.asarray(learning_rate, dtype=np.float64)
    batch = np.asarray(batch_size, dtype=np.float64)
    return eta * noise_var * dim / (4.0 * batch)


def exact_noise_floor(learning_rate: ArrayLike, batch_size: ArrayLike, dim: int,
                      noise_var: float) -> NDArray[np.float64]:
    """Exact stationary excess loss of the same SGD, for Gaussian inputs.

    Includes the noise that the data themselves add away from the optimum, which grows with
    the distance to it: the per-coordinate variance is
    ``eta sigma^2 / (B (2 - eta) - eta (dim + 1))`` and SGD diverges when the denominator
    reaches zero (returned as ``inf``). For small ``eta`` it agrees with
    :func:`predicted_noise_floor`.
    """
    eta = np.asarray(learning_rate, dtype=np.float64)
    batch = np.asarray(batch_size, dtype=np.float64)
    denominator = batch * (2.0 - eta) - eta * (dim + 1.0)
    with np.errstate(divide="ignore"):
        variance = np.where(denominator > 0, eta * noise_var / denominator, np.inf)
    return 0.5 * dim * variance


def measure_noise_floor(learning_rate: float, batch_size: int, *, dim: int = 8,
                        noise_var: float = 1.0, chains: int = 64, steps: int = 2000,
                        seed: int = 0) -> float:
    """Measure the excess loss at which online SGD with a constant learning rate settles.

    Runs ``chains`` independent copies of SGD on fresh minibatches of
    ``y = x . w* + noise`` (``x ~ N(0, I_dim)``), started at the optimum ``w*`` so that
    any excess loss is due to gradient noise. After a burn-in of ``5 / learning_rate`` steps
    it averages the exact excess loss ``0.5 |w - w*|^2`` over ``steps`` more steps and all
    chains.

    Returns
    -------
    float
        The measured excess loss (the loss minus its minimum ``noise_var / 2``).
    """
    rng = np.random.default_rng(seed)
    burn_in = int(math.ceil(5.0 / learning_rate))
    offset = np.zeros((chains, dim))  # w - w*, identical for every w*
    total = 0.0
    noise_std = math.sqrt(noise_var)
    for step in range(burn_in + steps):
        inputs = rng.standard_normal((chains, batch_size, dim))
        noise = noise_std * rng.standard_normal((chains, batch_size))
        residual = np.einsum("cbd,cd->cb", inputs, offset) - noise
        offset -= (learning_rate / batch_size) * np.einsum("cb,cbd->cd", residual, inputs)
        if step >= burn_in:
            total += 0.5 * float((offset**2).sum()) / chains
    return total / steps


def sgd_excess_trace(learning_rate: float, batch_size: int, *, dim: int = 8,
                     noise_var: float = 1.0, steps: int = 2000, start_distance: float = 2.0,
                     seed: int = 0) -> NDArray[np.float64]:
    """Excess loss ``0.5 |w - w*|^2`` after each step of one online-SGD run.

    The same problem as :func:`measure_noise_floor`, started at distance ``start_distance``
    from the optimum: the loss first falls, then fluctuates around the noise floor.
    """
    rng = np.random.default_rng(seed)
    offset = rng.standard_normal(dim)
    offset *= start_distance / np.linalg.norm(offset)
    trace = np.empty(steps)
    noise_std = math.sqrt(noise_var)
    for step in range(steps):
        inputs = rng.standard_normal((batch_size, dim))
        residual = inputs @ offset - noise_std * rng.standard_normal(batch_size)
        offset -= (learning_rate / batch_size) * (residual @ inputs)
        trace[step] = 0.5 * float(offset @ offset)
    return trace


# ---------------------------------------------------------------------------------------------
# The regime explorer's runs: SGD on linear regression with a finite training set
# ---------------------------------------------------------------------------------------------

#: The regression target: ``theta_j**2 = TARGET_SCALE * j**(-TARGET_DECAY)`` for feature ``j``.
TARGET_SCALE = 0.4
TARGET_DECAY = 1.5
#: Variance of the label noise; the loss ``0.5 (x.w - y)^2`` can never go below half of it.
LABEL_NOISE_VAR = 1.0
#: Terms summed one by one in :func:`target_tail` before the Euler-Maclaurin remainder.
_TAIL_TERMS = 1000


def target_weights(n_features: int) -> NDArray[np.float64]:
    """The first ``n_features`` weights of the regression target (all positive)."""
    j = np.arange(1, n_features + 1, dtype=np.float64)
    return np.sqrt(TARGET_SCALE * j ** (-TARGET_DECAY))


@lru_cache(maxsize=256)
def target_tail(n_features: int) -> float:
    """``sum_{j > n} theta_j**2``: the target's energy outside the first ``n`` features.

    A model with ``n`` features cannot represent it; half of it is the model's capacity floor
    above the irreducible loss. The next thousand terms are summed one by one and the rest by
    the Euler-Maclaurin formula (relative error below 1e-15).
    """
    p = TARGET_DECAY
    j = np.arange(n_features + 1, n_features + _TAIL_TERMS + 1, dtype=np.float64)
    m = float(n_features + _TAIL_TERMS + 1)
    remainder = (m ** (1.0 - p) / (p - 1.0) + 0.5 * m ** (-p) + p * m ** (-p - 1.0) / 12.0
                 - p * (p + 1.0) * (p + 2.0) * m ** (-p - 3.0) / 720.0)
    return float(TARGET_SCALE * (np.sum(j ** (-p)) + remainder))


def heldout_loss(weights: ArrayLike) -> NDArray[np.float64]:
    """Exact population loss ``0.5 E[(x.w - y)^2]`` of models using the first features.

    ``weights`` has shape ``(..., n)``: a model that uses the first ``n`` features. The loss is
    ``0.5 (|w - theta_{1..n}|^2 + tail(n) + sigma^2)``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n_features = weights.shape[-1]
    error = ((weights - target_weights(n_features)) ** 2).sum(axis=-1)
    return 0.5 * (error + target_tail(n_features) + LABEL_NOISE_VAR)


def capacity_floor(n_features: int) -> float:
    """The lowest held-out loss a model with ``n_features`` features can reach."""
    return 0.5 * (target_tail(n_features) + LABEL_NOISE_VAR)


def regression_data(n_train: int, n_features: int, seed: int
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A training set for the regime runs: inputs ``(n_train, n_features)`` and labels.

    Labels use the target on the first ``n_features`` features plus Gaussian noise of variance
    ``sigma^2 + tail(n_features)``. Smaller sets and models are taken as the first rows and
    columns, so runs that differ in size share their data; a feature a model lacks acts on it
    exactly like extra label noise, because the features are independent.
    """
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((n_train, n_features))
    noise = rng.standard_normal(n_train) * math.sqrt(LABEL_NOISE_VAR + target_tail(n_features))
    return inputs, inputs @ target_weights(n_features) + noise


@dataclass(frozen=True)
class RegimeRun:
    """Training and held-out losses of one regime run, one value per checkpoint and rate.

    ``train`` and ``heldout`` are averages over the steps since the previous checkpoint (the
    held-out loss every step, the training loss every ``train_every`` steps and at the
    checkpoint); ``heldout_now`` is the held-out loss at the checkpoint itself, fluctuations
    included. Arrays have shape ``(len(learning_rates), len(steps))``.
    """

    steps: NDArray[np.int64]
    learning_rates: NDArray[np.float64]
    train: NDArray[np.float64]
    heldout: NDArray[np.float64]
    heldout_now: NDArray[np.float64]


def run_regime(inputs: ArrayLike, labels: ArrayLike, *, n_params: int, n_train: int,
               batch_size: int, learning_rates: Sequence[float], checkpoints: Sequence[int],
               seed: int, train_every: int = 10) -> RegimeRun:
    """SGD from zero on the first ``n_train`` examples with the first ``n_params`` features.

    Minibatches are drawn with replacement from the training set; one run per learning rate,
    all on the same minibatches. See :class:`RegimeRun` for what is recorded.
    """
    x = np.asarray(inputs, dtype=np.float64)[:n_train, :n_params]
    y = np.asarray(labels, dtype=np.float64)[:n_train]
    rates = np.asarray(learning_rates, dtype=np.float64)[:, None]
    rng = np.random.default_rng(seed)
    weights = np.zeros((rates.shape[0], n_params))
    target = target_weights(n_params)
    constant = target_tail(n_params) + LABEL_NOISE_VAR
    checkpoints = np.asarray(checkpoints, dtype=np.int64)
    shape = (rates.shape[0], checkpoints.size)
    train, heldout, heldout_now = np.empty(shape), np.empty(shape), np.empty(shape)
    heldout_sum = np.zeros(rates.shape[0])
    train_sum = np.zeros(rates.shape[0])
    heldout_count = train_count = 0
    index = 0
    for step in range(1, int(checkpoints[-1]) + 1):
        batch = rng.integers(0, n_train, batch_size)
        residual = weights @ x[batch].T - y[batch]
        weights -= rates * (residual @ x[batch]) / batch_size
        now = 0.5 * (((weights - target) ** 2).sum(axis=1) + constant)
        heldout_sum += now
        heldout_count += 1
        at_checkpoint = step == checkpoints[index]
        if at_checkpoint or step % train_every == 0:
            train_sum += 0.5 * ((weights @ x.T - y) ** 2).mean(axis=1)
            train_count += 1
        if at_checkpoint:
            train[:, index] = train_sum / train_count
            heldout[:, index] = heldout_sum / heldout_count
            heldout_now[:, index] = now
            heldout_sum[:] = 0.0
            train_sum[:] = 0.0
            heldout_count = train_count = 0
            index += 1
    return RegimeRun(checkpoints, rates[:, 0].copy(), train, heldout, heldout_now)


#: The regime explorer's precomputed runs (made by ``data/make_phases_regimes.py``).
REGIME_FILE = "phases_regimes.csv"
#: Columns of that file, in order.
REGIME_COLUMNS: tuple[str, ...] = ("n_params", "n_train", "batch_size", "learning_rate", "step",
                                   "train_loss", "heldout_loss", "heldout_now")


@dataclass(frozen=True)
class RegimeGrid:
    """Precomputed regime runs, one per (parameters, examples, batch, learning rate).

    ``runs[(n_params, n_train, batch_size, learning_rate)]`` holds a dict of arrays
    ``step``, ``train_loss``, ``heldout_loss`` and ``heldout_now`` (see :class:`RegimeRun`);
    ``levels`` lists the sorted values of each setting.
    """

    runs: dict[tuple[int, int, int, float], dict[str, NDArray[np.float64]]]
    levels: dict[str, tuple[float, ...]]


def regime_grid_from_columns(columns: Mapping[str, Sequence[Any]]) -> RegimeGrid:
    """Group the rows of the regime file (as columns of strings or numbers) by run."""
    missing = [name for name in REGIME_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"the regime table lacks the columns {missing}")
    keys = list(zip((int(v) for v in columns["n_params"]), (int(v) for v in columns["n_train"]),
                    (int(v) for v in columns["batch_size"]),
                    (float(v) for v in columns["learning_rate"])))
    values = {name: np.asarray(columns[name], dtype=np.float64) for name in REGIME_COLUMNS[4:]}
    rows: dict[tuple[int, int, int, float], list[int]] = {}
    for row, key in enumerate(keys):
        rows.setdefault(key, []).append(row)
    runs = {}
    for key, indices in rows.items():
        order = np.asarray(indices)[np.argsort(values["step"][indices])]
        runs[key] = {name: column[order] for name, column in values.items()}
    levels = {name: tuple(sorted({key[i] for key in runs}))
              for i, name in enumerate(REGIME_COLUMNS[:4])}
    return RegimeGrid(runs, levels)


def load_regime_grid(name: str = REGIME_FILE) -> RegimeGrid:
    """Read the regime explorer's runs from the course's ``data/`` folder."""
    from phaselab.data import read_csv

    return regime_grid_from_columns(read_csv(name))
