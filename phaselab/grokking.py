"""Grokking on modular addition: the data, a small numpy network, AdamW, training and analysis.

Lesson 04 trains a network to compute ``(a + b) mod p`` from a random part of the addition
table and watches validation accuracy jump long after training accuracy has saturated.

The model follows the usual small grokking setup: one embedding matrix ``E`` (``p x d``)
shared by both operands, the two embeddings concatenated and fed to one hidden ReLU layer,
then a linear read-out to ``p`` logits; PyTorch's default initialisation (``E ~ N(0, 1)``,
linear layers ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), cross-entropy, full-batch AdamW with
decoupled weight decay on every parameter, all in float32.

Two things make a step fast on a CPU:

* the first layer is computed as a sum of per-token projections,
  ``(E @ W1[:d])[a] + (E @ W1[d:])[b]``, instead of multiplying concatenated embeddings; its
  gradient is summed back per token without a scatter-add: the training set holds each pair
  ``(a, b)`` once, so the per-example gradients fill a ``p x p x H`` grid that is summed along
  each operand axis (for arbitrary examples, a product with one-hot matrices does the same);
* every large intermediate lives in a preallocated :class:`Workspace`, so that a training step
  allocates (and page-faults) almost no memory.

:func:`train` runs BLAS on one thread unless told otherwise (``threads=``); the other
functions leave threads to the caller (wrap them in ``threadpoolctl.threadpool_limits``).

Sections: data, model, optimiser, training, analysis (accuracy, norms, Fourier spectra,
detection of grokking), and the recorded sweep of training fraction x weight decay.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Params = dict[str, NDArray[np.floating]]

#: Parameter names, in the order :func:`init_params` creates them.
PARAM_NAMES: tuple[str, ...] = ("embed", "w1", "b1", "w2", "b2")

#: Default thresholds: training accuracy counts as saturated at 99 %, grokked at 95 % validation.
TRAIN_THRESHOLD = 0.99
VAL_THRESHOLD = 0.95

#: A run "groks" when validation accuracy crosses its threshold at least this many times later
#: (in steps) than training accuracy saturated; a shorter delay is ordinary generalisation.
GROKKING_DELAY = 5.0

#: Phases of a finished run, in the order of the phase map's colour scale.
PHASES: tuple[str, ...] = ("never fits", "memorises only", "groks", "generalises")

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def addition_table(p: int) -> NDArray[np.int64]:
    """Return every equation ``a + b = c (mod p)`` as a row ``(a, b, c)`` of a ``(p², 3)`` array.

    Rows run over ``a`` first, then ``b``: row ``a * p + b`` holds ``(a, b, (a + b) % p)``.
    """
    if p < 2:
        raise ValueError(f"the modulus p must be at least 2, got {p}")
    a, b = np.divmod(np.arange(p * p, dtype=np.int64), p)
    return np.stack([a, b, (a + b) % p], axis=1)


def split_dataset(
    p: int, train_fraction: float, seed: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Split the addition table at random into training and validation equations.

    Parameters
    ----------
    p
        The modulus.
    train_fraction
        Fraction of the ``p²`` equations used for training; the training set holds
        ``round(train_fraction * p**2)`` of them.
    seed
        Seed of ``numpy.random.default_rng`` that draws the permutation.

    Returns
    -------
    (train, val)
        Two integer arrays of rows ``(a, b, (a + b) % p)`` that together hold every equation
        exactly once.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1, got {train_fraction}")
    table = addition_table(p)
    order = np.random.default_rng(seed).permutation(p * p)
    n_train = round(train_fraction * p * p)
    return table[order[:n_train]], table[order[n_train:]]


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


def init_params(
    p: int,
    d_embed: int = 128,
    d_hidden: int = 256,
    seed: int = 0,
    dtype: Any = np.float32,
) -> Params:
    """Draw the network's parameters with PyTorch's default initialisation.

    Parameters
    ----------
    p
        The modulus: the vocabulary and the number of output classes.
    d_embed, d_hidden
        Embedding width ``d`` (the hidden layer sees ``2 d`` inputs) and hidden width.
    seed
        Seed of ``numpy.random.default_rng``.
    dtype
        Floating type of the parameters (float32 for speed, float64 for gradient checks).

    Returns
    -------
    dict
        ``embed`` (p, d) ~ N(0, 1); ``w1`` (2d, H) and ``b1`` (H,) ~ U(±1/√(2d));
        ``w2`` (H, p) and ``b2`` (p,) ~ U(±1/√H).
    """
    rng = np.random.default_rng(seed)
    bound1 = 1.0 / np.sqrt(2 * d_embed)
    bound2 = 1.0 / np.sqrt(d_hidden)
    params = {
        "embed": rng.standard_normal((p, d_embed)),
        "w1": rng.uniform(-bound1, bound1, (2 * d_embed, d_hidden)),
        "b1": rng.uniform(-bound1, bound1, d_hidden),
        "w2": rng.uniform(-bound2, bound2, (d_hidden, p)),
        "b2": rng.uniform(-bound2, bound2, p),
    }
    return {name: np.ascontiguousarray(params[name], dtype=dtype) for name in PARAM_NAMES}


def token_projections(params: Params) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Return ``(E @ W1[:d], E @ W1[d:])``: what each token adds to the hidden pre-activation.

    Row ``a`` of the first matrix is the contribution of ``a`` as the left operand, row ``b``
    of the second that of ``b`` as the right operand.
    """
    embed, w1 = params["embed"], params["w1"]
    d = embed.shape[1]
    return embed @ w1[:d], embed @ w1[d:]


def forward(params: Params, a: ArrayLike, b: ArrayLike) -> NDArray[np.floating]:
    """Return the logits, shape ``(n, p)``, for the operand pairs ``(a[i], b[i])``."""
    a, b = np.asarray(a), np.asarray(b)
    left, right = token_projections(params)
    hidden = np.maximum(left[a] + right[b] + params["b1"], 0)
    return hidden @ params["w2"] + params["b2"]


class Workspace:
    """Preallocated buffers for :func:`loss_and_grads` on a fixed set of ``n`` examples.

    Reusing one workspace across steps avoids allocating (and page-faulting) a few megabytes
    per step. Arrays returned by :func:`loss_and_grads` with a workspace are views into it:
    the next call overwrites them.

    Parameters
    ----------
    params
        Parameters with the shapes and dtype the workspace is for.
    a, b, labels
        The fixed examples (operands and targets).
    """

    def __init__(self, params: Params, a: ArrayLike, b: ArrayLike, labels: ArrayLike) -> None:
        self.a = np.ascontiguousarray(a, dtype=np.intp)
        self.b = np.ascontiguousarray(b, dtype=np.intp)
        self.labels = np.ascontiguousarray(labels, dtype=np.intp)
        n = self.a.shape[0]
        if not (self.b.shape == self.labels.shape == (n,)):
            raise ValueError("a, b and labels must be one-dimensional and of equal length")
        p, d = params["embed"].shape
        for name, tokens in (("a", self.a), ("b", self.b), ("labels", self.labels)):
            if tokens.size and (tokens.min() < 0 or tokens.max() >= p):
                raise ValueError(f"{name} must hold integers between 0 and {p - 1}")
        hidden = params["w1"].shape[1]
        dtype = params["embed"].dtype
        self.rows = np.arange(n)
        # Backward through the token gathers: each token's gradient is the sum of the rows of
        # dpre that used it. When every (a, b) pair occurs at most once (a split of the addition
        # table), dpre is written into a (p, p, H) grid, whose unused cells stay zero, and
        # summed along each operand axis. Otherwise one-hot matrices (p, n) do it by a product.
        self.grid: NDArray | None = None
        self.onehot_a_t: NDArray | None = None
        self.onehot_b_t: NDArray | None = None
        if np.unique(self.a * p + self.b).size == n:
            self.grid = np.zeros((p, p, hidden), dtype=dtype)
        else:
            self.onehot_a_t = np.zeros((p, n), dtype=dtype)
            self.onehot_a_t[self.a, self.rows] = 1
            self.onehot_b_t = np.zeros((p, n), dtype=dtype)
            self.onehot_b_t[self.b, self.rows] = 1
        self.dleft = np.empty((p, hidden), dtype=dtype)
        self.dright = np.empty((p, hidden), dtype=dtype)
        self.pre = np.empty((n, hidden), dtype=dtype)
        self.hidden = np.empty((n, hidden), dtype=dtype)
        self.scratch = np.empty((n, hidden), dtype=dtype)
        self.active = np.empty((n, hidden), dtype=bool)
        self.logits = np.empty((n, p), dtype=dtype)
        self.probs = np.empty((n, p), dtype=dtype)
        self.grads: Params = {name: np.empty_like(value) for name, value in params.items()}
        self.d = d


#: Workspaces kept by :func:`loss_and_grads` for calls without one (the most recent few).
_WORKSPACE_CACHE: dict[tuple[Any, ...], Workspace] = {}
_WORKSPACE_CACHE_SIZE = 2


def _cached_workspace(params: Params, a: ArrayLike, b: ArrayLike, labels: ArrayLike) -> Workspace:
    """A workspace for these examples and parameter shapes, reused across calls."""
    a, b, labels = (np.ascontiguousarray(x, dtype=np.intp) for x in (a, b, labels))
    key = (tuple((name, value.shape, value.dtype.str) for name, value in params.items()),
           a.tobytes(), b.tobytes(), labels.tobytes())
    workspace = _WORKSPACE_CACHE.get(key)
    if workspace is None:
        workspace = Workspace(params, a, b, labels)
        if len(_WORKSPACE_CACHE) >= _WORKSPACE_CACHE_SIZE:
            del _WORKSPACE_CACHE[next(iter(_WORKSPACE_CACHE))]
        _WORKSPACE_CACHE[key] = workspace
    return workspace


class LossAndGrads(NamedTuple):
    """What :func:`loss_and_grads` returns: mean loss, logits and one gradient per parameter."""

    loss: float
    logits: NDArray[np.floating]
    grads: Params


def loss_and_grads(
    params: Params,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    *,
    workspace: Workspace | None = None,
) -> LossAndGrads:
    """Mean cross-entropy of the network on ``(a, b) -> labels`` and its gradients.

    Forward: ``h = relu(P_a[a] + P_b[b] + b1)`` with the token projections
    ``P_a = E W1[:d]`` and ``P_b = E W1[d:]``, then ``logits = h W2 + b2``.
    Backward by hand; the gradient of each projection is summed back per token (the rows of
    ``dpre`` that used token ``a``), through a grid of pairs or one-hot products (see
    :class:`Workspace`), never through a slow scatter-add.

    Parameters
    ----------
    params
        The parameters (see :func:`init_params`).
    a, b, labels
        Operands and targets. May be omitted when ``workspace`` is given.
    workspace
        Buffers for a fixed set of examples (see :class:`Workspace`). With a workspace the
        returned logits and gradients are views into it, overwritten by the next call. Without
        one, a workspace for ``(a, b, labels)`` is built once and kept for the next calls with
        the same examples, and the results are fresh copies (a little slower).

    Returns
    -------
    LossAndGrads
        ``(loss, logits, grads)`` with ``grads`` keyed like ``params``.
    """
    if workspace is None:
        if a is None or b is None or labels is None:
            raise ValueError("pass a, b and labels, or a workspace built from them")
        result = loss_and_grads(params, workspace=_cached_workspace(params, a, b, labels))
        return LossAndGrads(result.loss, result.logits.copy(),
                            {name: grad.copy() for name, grad in result.grads.items()})
    ws = workspace
    d = ws.d
    embed, w1, w2 = params["embed"], params["w1"], params["w2"]
    w1_left, w1_right = w1[:d], w1[d:]
    n = ws.a.shape[0]

    # Forward: the per-token projections, gathered, instead of concatenated inputs.
    left = embed @ w1_left
    right = embed @ w1_right
    np.take(left, ws.a, axis=0, out=ws.pre, mode="clip")
    np.take(right, ws.b, axis=0, out=ws.scratch, mode="clip")
    ws.pre += ws.scratch
    ws.pre += params["b1"]
    np.greater(ws.pre, 0, out=ws.active)
    np.multiply(ws.pre, ws.active, out=ws.hidden)
    np.matmul(ws.hidden, w2, out=ws.logits)
    ws.logits += params["b2"]

    # Softmax cross-entropy, shifted by the row maximum for stability.
    np.subtract(ws.logits, ws.logits.max(axis=1, keepdims=True), out=ws.probs)
    target_logit = ws.probs[ws.rows, ws.labels]
    np.exp(ws.probs, out=ws.probs)
    partition = ws.probs.sum(axis=1)
    loss = float(np.mean(np.log(partition) - target_logit, dtype=np.float64))

    # Backward.
    grads = ws.grads
    dlogits = ws.probs
    dlogits /= partition[:, None]
    dlogits[ws.rows, ws.labels] -= 1
    dlogits *= 1.0 / n
    np.matmul(ws.hidden.T, dlogits, out=grads["w2"])
    np.sum(dlogits, axis=0, out=grads["b2"])
    dpre = ws.scratch
    np.matmul(dlogits, w2.T, out=dpre)
    dpre *= ws.active
    np.sum(dpre, axis=0, out=grads["b1"])
    if ws.grid is not None:
        ws.grid[ws.a, ws.b] = dpre
        dleft = np.sum(ws.grid, axis=1, out=ws.dleft)
        dright = np.sum(ws.grid, axis=0, out=ws.dright)
    else:
        dleft = np.matmul(ws.onehot_a_t, dpre, out=ws.dleft)
        dright = np.matmul(ws.onehot_b_t, dpre, out=ws.dright)
    np.matmul(embed.T, dleft, out=grads["w1"][:d])
    np.matmul(embed.T, dright, out=grads["w1"][d:])
    np.matmul(dleft, w1_left.T, out=grads["embed"])
    grads["embed"] += dright @ w1_right.T
    return LossAndGrads(loss, ws.logits, grads)


def cross_entropy(logits: ArrayLike, labels: ArrayLike) -> float:
    """Mean cross-entropy (nats) of ``logits`` (n, classes) against integer ``labels`` (n,)."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_partition = np.log(np.exp(shifted).sum(axis=1))
    return float(np.mean(log_partition - shifted[np.arange(labels.size), labels]))


def accuracy(logits: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of rows of ``logits`` (n, classes) whose largest entry is at ``labels[i]``."""
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def weight_norm(params: Mapping[str, ArrayLike]) -> float:
    """Total Euclidean norm of all parameters: ``sqrt(sum of every squared entry)``."""
    return float(
        np.sqrt(sum(np.sum(np.square(np.asarray(v, dtype=np.float64))) for v in params.values()))
    )


# ---------------------------------------------------------------------------------------------
# Optimiser
# ---------------------------------------------------------------------------------------------


def adamw_update(
    param: ArrayLike,
    grad: ArrayLike,
    m: ArrayLike,
    v: ArrayLike,
    step: int,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.98,
    eps: float = 1e-8,
    weight_decay: float = 1.0,
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
    """One textbook AdamW update of a single array (the exercise's reference).

    With ``t = step`` (counted from 1)::

        m     <- beta1 m + (1 - beta1) g
        v     <- beta2 v + (1 - beta2) g²
        theta <- theta - lr * weight_decay * theta
                       - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    The weight decay is *decoupled* (Loshchilov & Hutter): it shrinks the parameters directly,
    scaled by the learning rate as in PyTorch, and never passes through the adaptive
    denominator, unlike an L2 penalty added to the gradient.

    Returns
    -------
    (param, m, v)
        New arrays; the inputs are not modified.
    """
    if step < 1:
        raise ValueError(f"AdamW steps are counted from 1, got {step}")
    param = np.asarray(param)
    grad = np.asarray(grad)
    m = beta1 * np.asarray(m) + (1 - beta1) * grad
    v = beta2 * np.asarray(v) + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    new_param = param - lr * weight_decay * param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, m, v


@dataclasses.dataclass
class AdamWState:
    """First and second moment estimates per parameter, and the number of steps taken."""

    m: Params
    v: Params
    step: int = 0
    scratch: Params = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def zeros_like(cls, params: Params) -> AdamWState:
        """A fresh state (zero moments, step 0) for ``params``."""
        return cls(
            m={k: np.zeros_like(p) for k, p in params.items()},
            v={k: np.zeros_like(p) for k, p in params.items()},
            scratch={k: np.empty_like(p) for k, p in params.items()},
        )


def adamw_step(
    params: Params,
    grads: Mapping[str, NDArray[np.floating]],
    state: AdamWState,
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.98),
    eps: float = 1e-8,
    weight_decay: float = 1.0,
) -> None:
    """Apply one AdamW step to every parameter, in place (same maths as :func:`adamw_update`).

    Written with in-place operations and one scratch array per parameter, so it allocates
    nothing; ``state.step`` is incremented first, so the first step uses ``t = 1``.
    """
    beta1, beta2 = betas
    state.step += 1
    t = state.step
    step_size = lr / (1 - beta1**t)
    inv_sqrt_bias2 = 1.0 / np.sqrt(1 - beta2**t)
    for name, param in params.items():
        grad, m, v = grads[name], state.m[name], state.v[name]
        tmp = state.scratch.get(name)
        if tmp is None:
            tmp = state.scratch[name] = np.empty_like(param)
        m *= beta1
        np.multiply(grad, 1 - beta1, out=tmp)
        m += tmp
        v *= beta2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp *= inv_sqrt_bias2
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        param *= 1 - lr * weight_decay
        param -= tmp


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GrokConfig:
    """Everything that defines a training run.

    The defaults are the fast preset :data:`FAST`; :data:`FULL` is a textbook-sized run.
    ``seed`` draws both the data split and the initial parameters (independent streams).
    Metrics are recorded at the steps given by :meth:`eval_steps`.
    """

    p: int = 59
    train_fraction: float = 0.5
    d_embed: int = 128
    d_hidden: int = 256
    lr: float = 1e-2
    weight_decay: float = 1.0
    betas: tuple[float, float] = (0.9, 0.98)
    eps: float = 1e-8
    steps: int = 2000
    eval_every: int = 10
    seed: int = 0

    def replace(self, **changes: Any) -> GrokConfig:
        """A copy with some fields changed, e.g. ``FAST.replace(weight_decay=0.0)``."""
        return dataclasses.replace(self, **changes)

    def eval_steps(self) -> NDArray[np.int64]:
        """The steps at which metrics are recorded: 0, a few log-spaced steps below
        ``eval_every`` (training moves fast at first), every ``eval_every`` steps, the last."""
        early = np.round(np.geomspace(1, self.eval_every, 6)).astype(np.int64)
        regular = np.arange(0, self.steps + 1, self.eval_every)
        return np.union1d(np.union1d(regular, early[early <= self.steps]), [self.steps])


#: Fast preset: groks in a few hundred steps (seconds on one core), with a long delay.
FAST = GrokConfig()

#: Full preset: p = 97 and learning rate 1e-3, the scale of the published runs
#: (grokking after roughly two thousand steps; a few minutes on one core).
FULL = GrokConfig(p=97, lr=1e-3, steps=5000, eval_every=25)


def default_config() -> GrokConfig:
    """:data:`FULL` if the learner asked for full mode (``PHASELAB_FULL=1``), else :data:`FAST`."""
    from phaselab.runmode import full_mode

    return FULL if full_mode() else FAST


#: Metrics recorded by :func:`train`, in order.
METRICS: tuple[str, ...] = ("train_acc", "val_acc", "train_loss", "val_loss", "weight_norm")


@dataclasses.dataclass
class History:
    """Metrics of one run at its evaluation steps, plus the final parameters.

    Index it like a dict too: ``history["val_acc"]``, ``history["steps"]``.
    """

    steps: NDArray[np.int64]
    train_acc: NDArray[np.float64]
    val_acc: NDArray[np.float64]
    train_loss: NDArray[np.float64]
    val_loss: NDArray[np.float64]
    weight_norm: NDArray[np.float64]
    config: GrokConfig | None = None
    params: Params | None = dataclasses.field(default=None, repr=False)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        """The names of the recorded series (``steps`` and :data:`METRICS`)."""
        return ("steps", *METRICS)


@contextlib.contextmanager
def _thread_limit(threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


def train(
    config: GrokConfig = FAST,
    *,
    progress: bool = False,
    callback: Callable[[int, Params, dict[str, float]], None] | None = None,
    threads: int | None = 1,
) -> History:
    """Train the network on modular addition and record its metrics.

    Parameters
    ----------
    config
        The run (see :class:`GrokConfig`).
    progress
        Show a ``tqdm`` progress bar with the latest training and validation accuracy.
    callback
        Called at every evaluation step as ``callback(step, params, record)``, where
        ``record`` maps each name of :data:`METRICS` to its value. It may copy the parameters
        (for snapshots) but must not modify them.
    threads
        BLAS threads during training (``threadpoolctl``). The default, 1, is the safe choice
        for these small matrices: a second thread gains little and, on a busy machine, can
        make a step several times slower. ``None`` leaves the current setting alone.

    Returns
    -------
    History
        The recorded metrics and the final parameters.
    """
    train_set, val_set = split_dataset(config.p, config.train_fraction, config.seed)
    seeds = np.random.SeedSequence(config.seed).spawn(1)[0]
    params = init_params(
        config.p, config.d_embed, config.d_hidden, seed=int(seeds.generate_state(1)[0])
    )
    workspace = Workspace(params, train_set[:, 0], train_set[:, 1], train_set[:, 2])
    state = AdamWState.zeros_like(params)
    eval_steps = config.eval_steps()
    records = np.empty((eval_steps.size, len(METRICS)))
    bar = _progress_bar(config.steps, enabled=progress)
    next_eval = 0
    with _thread_limit(threads), bar:
        for step in range(config.steps + 1):
            loss, logits, grads = loss_and_grads(params, workspace=workspace)
            if step == eval_steps[next_eval]:
                record = _evaluate(params, loss, logits, train_set, val_set)
                records[next_eval] = [record[name] for name in METRICS]
                next_eval += 1
                if callback is not None:
                    callback(step, params, record)
                bar.set_postfix(
                    train=f"{record['train_acc']:.0%}", val=f"{record['val_acc']:.0%}",
                    refresh=False,
                )
            if step == config.steps:
                break
            adamw_step(
                params, grads, state, lr=config.lr, betas=config.betas, eps=config.eps,
                weight_decay=config.weight_decay,
            )
            bar.update(1)
    columns = dict(zip(METRICS, records.T, strict=True))
    return History(steps=eval_steps, **columns, config=config, params=params)


def _evaluate(
    params: Params,
    train_loss: float,
    train_logits: NDArray[np.floating],
    train_set: NDArray[np.int64],
    val_set: NDArray[np.int64],
) -> dict[str, float]:
    """The metrics of :data:`METRICS` for the current parameters (training logits reused)."""
    val_logits = forward(params, val_set[:, 0], val_set[:, 1])
    return {
        "train_acc": accuracy(train_logits, train_set[:, 2]),
        "val_acc": accuracy(val_logits, val_set[:, 2]),
        "train_loss": train_loss,
        "val_loss": cross_entropy(val_logits, val_set[:, 2]),
        "weight_norm": weight_norm(params),
    }


def log_spaced(steps: ArrayLike, count: int) -> NDArray[np.int64]:
    """About ``count`` of the given (sorted, non-negative) steps, evenly spread on a log axis.

    The first and last steps are always kept; useful to choose when to snapshot a run.
    """
    steps = np.asarray(steps, dtype=np.int64)
    targets = np.geomspace(1, max(int(steps[-1]), 1), count)
    nearest = np.abs(np.log(np.maximum(steps, 1))[:, None] - np.log(targets)[None, :])
    chosen = np.unique(np.concatenate([[0, steps.size - 1], np.argmin(nearest, axis=0)]))
    return steps[chosen]


class _NoBar:
    """Stands in for a progress bar when none is wanted."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def set_postfix(self, **kwargs: Any) -> None:
        """Do nothing."""


def _progress_bar(total: int, *, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="step", mininterval=0.25)


# ---------------------------------------------------------------------------------------------
# Analysis: Fourier spectra and the timing of grokking
# ---------------------------------------------------------------------------------------------


def fourier_power(embedding: ArrayLike) -> NDArray[np.float64]:
    """Share of an embedding's squared norm carried by each frequency of the token axis.

    Row ``a`` of ``embedding`` (shape ``(p, d)``, ``p`` odd) belongs to token ``a``. Along the
    token axis the discrete Fourier transform splits ``sum_a |E_a|²`` into frequencies
    ``k = 0 ... (p - 1) / 2``: the constant component (``k = 0``) and, for ``k >= 1``, the
    cosine and sine waves ``cos(2 pi k a / p)``, ``sin(2 pi k a / p)`` together (the DFT bins
    ``k`` and ``p - k``).

    Returns
    -------
    numpy.ndarray
        ``power[k]`` for ``k = 0 ... (p - 1) // 2``, non-negative and summing to 1.
    """
    embedding = np.asarray(embedding, dtype=np.float64)
    if embedding.ndim != 2:
        raise ValueError("the embedding must be a (p, d) matrix")
    spectrum = np.sum(np.abs(np.fft.rfft(embedding, axis=0)) ** 2, axis=1)
    p = embedding.shape[0]
    spectrum[1 : (p + 1) // 2] *= 2  # bins k and p - k carry the same power for real input
    total = spectrum.sum()
    return spectrum / total if total > 0 else spectrum


def top_frequencies(power: ArrayLike, k: int) -> NDArray[np.int64]:
    """The ``k`` non-constant frequencies with the most power, strongest first.

    ``power`` is indexed by frequency, as returned by :func:`fourier_power`; frequency 0
    (the constant component) is never returned.
    """
    power = np.asarray(power, dtype=np.float64)
    if not 1 <= k <= power.size - 1:
        raise ValueError(f"k must lie between 1 and {power.size - 1}, got {k}")
    order = np.argsort(-power[1:], kind="stable") + 1
    return order[:k].astype(np.int64)


def key_frequency_share(embedding: ArrayLike, k: int = 5) -> float:
    """Share of the embedding's squared norm in its ``k`` strongest non-constant frequencies.

    About ``2k / p`` for a random embedding; close to 1 once it is built from a few waves.
    """
    power = fourier_power(embedding)
    return float(power[top_frequencies(power, k)].sum())


def key_frequencies(power: ArrayLike, coverage: float = 0.9) -> NDArray[np.int64]:
    """The fewest strongest non-constant frequencies that hold ``coverage`` of the
    non-constant power, strongest first (``power`` as returned by :func:`fourier_power`)."""
    power = np.asarray(power, dtype=np.float64)
    order = top_frequencies(power, power.size - 1)
    held = np.cumsum(power[order]) / power[1:].sum()
    count = int(np.searchsorted(held, coverage - 1e-12)) + 1
    return order[: min(count, order.size)]


def fourier_basis(p: int, freqs: ArrayLike) -> NDArray[np.float64]:
    """Orthonormal columns ``cos(2 pi k a / p)``, ``sin(2 pi k a / p)`` (scaled) for each ``k``
    in ``freqs``: a ``(p, 2 len(freqs))`` matrix. Frequencies must lie in ``1 ... (p - 1) / 2``
    for odd ``p``."""
    freqs = np.asarray(freqs, dtype=np.int64).ravel()
    if freqs.size and (freqs.min() < 1 or 2 * freqs.max() >= p):
        raise ValueError(f"frequencies must lie between 1 and {(p - 1) // 2}")
    angles = 2 * np.pi * np.outer(np.arange(p), freqs) / p
    columns = np.empty((p, 2 * freqs.size))
    columns[:, 0::2] = np.cos(angles)
    columns[:, 1::2] = np.sin(angles)
    return columns * np.sqrt(2.0 / p)


def project_frequencies(matrix: ArrayLike, freqs: ArrayLike, *, keep: bool) -> NDArray[np.float64]:
    """Keep only (``keep=True``) or remove (``keep=False``) the components of ``matrix`` at
    frequencies ``freqs`` along its first (token) axis."""
    matrix = np.asarray(matrix, dtype=np.float64)
    basis = fourier_basis(matrix.shape[0], freqs)
    kept = basis @ (basis.T @ matrix)
    return kept if keep else matrix - kept


def _loss_with_projections(
    params: Params, data: NDArray[np.int64], left: NDArray, right: NDArray
) -> float:
    dtype = params["w2"].dtype
    left, right = left.astype(dtype, copy=False), right.astype(dtype, copy=False)
    hidden = np.maximum(left[data[:, 0]] + right[data[:, 1]] + params["b1"], 0)
    return cross_entropy(hidden @ params["w2"] + params["b2"], data[:, 2])


def restricted_loss(params: Params, data: NDArray[np.int64], freqs: ArrayLike) -> float:
    """Loss on ``data`` (rows ``a, b, c``) when the token projections keep only ``freqs``.

    Low once the network computes its answers through those frequencies: a measure of the
    generalising circuit (after Nanda et al. 2023, here on the per-token projections).
    """
    left, right = token_projections(params)
    return _loss_with_projections(
        params, data, project_frequencies(left, freqs, keep=True),
        project_frequencies(right, freqs, keep=True),
    )


def excluded_loss(params: Params, data: NDArray[np.int64], freqs: ArrayLike) -> float:
    """Loss on ``data`` when the token projections lose the components at ``freqs``.

    On the training set it stays low while memorisation carries the answers and rises as the
    memorising part is cleaned up and only the frequency circuit is left.
    """
    left, right = token_projections(params)
    return _loss_with_projections(
        params, data, project_frequencies(left, freqs, keep=False),
        project_frequencies(right, freqs, keep=False),
    )


def _series(history: Any, name: str) -> NDArray[np.float64]:
    return np.asarray(history[name], dtype=np.float64)


def first_step_at_least(history: Any, name: str, threshold: float, start: int = 0) -> int | None:
    """The first recorded step, at index ``start`` or later, with ``history[name] >= threshold``.

    ``None`` if there is none."""
    values = _series(history, name)[start:]
    hits = np.flatnonzero(values >= threshold)
    if hits.size == 0:
        return None
    return int(np.asarray(history["steps"])[start + hits[0]])


def detect_grokking(
    history: Any,
    val_threshold: float = VAL_THRESHOLD,
    train_threshold: float = TRAIN_THRESHOLD,
) -> int | None:
    """The step at which validation accuracy reaches ``val_threshold`` after training saturated.

    Training counts as saturated from the first recorded step where training accuracy is at
    least ``train_threshold``. The answer is the first recorded step from then on (that step
    included) where validation accuracy is at least ``val_threshold``; ``None`` if training
    never saturates or validation never gets there afterwards.

    Parameters
    ----------
    history
        Anything indexable by ``"steps"``, ``"train_acc"`` and ``"val_acc"`` (equal lengths).
    """
    train_acc = _series(history, "train_acc")
    saturated = np.flatnonzero(train_acc >= train_threshold)
    if saturated.size == 0:
        return None
    return first_step_at_least(history, "val_acc", val_threshold, start=int(saturated[0]))


def grokking_delay(
    history: Any,
    val_threshold: float = VAL_THRESHOLD,
    train_threshold: float = TRAIN_THRESHOLD,
) -> float | None:
    """Ratio of the grokking step to the step where training saturated (``None`` if either
    is missing). Step 0 counts as step 1 so that the ratio stays finite."""
    fit = first_step_at_least(history, "train_acc", train_threshold)
    grok = detect_grokking(history, val_threshold, train_threshold)
    if fit is None or grok is None:
        return None
    return max(grok, 1) / max(fit, 1)


def classify_run(
    history: Any,
    val_threshold: float = VAL_THRESHOLD,
    train_threshold: float = TRAIN_THRESHOLD,
    min_delay: float = GROKKING_DELAY,
) -> str:
    """Name the phase of a finished run, one of :data:`PHASES`.

    ``"never fits"``: training accuracy never saturates; ``"memorises only"``: it does, but
    validation accuracy never reaches its threshold; ``"groks"``: it does, at least
    ``min_delay`` times later than training saturated; ``"generalises"``: sooner than that.
    """
    if first_step_at_least(history, "train_acc", train_threshold) is None:
        return "never fits"
    delay = grokking_delay(history, val_threshold, train_threshold)
    if delay is None:
        return "memorises only"
    return "groks" if delay >= min_delay else "generalises"


# ---------------------------------------------------------------------------------------------
# The recorded sweep (data/grokking_sweep.csv, made by data/make_grokking_sweep.py)
# ---------------------------------------------------------------------------------------------

SWEEP_FILE = "grokking_sweep.csv"

#: Columns of the sweep CSV, one row per (run, evaluation step).
SWEEP_COLUMNS: tuple[str, ...] = (
    "train_fraction", "weight_decay", "seed", "p", "lr", "step",
    "train_acc", "val_acc", "train_loss", "val_loss", "weight_norm",
)


def sweep_from_columns(columns: Mapping[str, list[str]]) -> dict[tuple[float, float], History]:
    """Group the rows of the sweep CSV (columns of strings) into one :class:`History` per run.

    Runs are keyed by ``(train_fraction, weight_decay)``; steps are sorted within each run.
    """
    fraction = np.asarray(columns["train_fraction"], dtype=np.float64)
    decay = np.asarray(columns["weight_decay"], dtype=np.float64)
    numbers = {name: np.asarray(columns[name], dtype=np.float64) for name in ("step", *METRICS)}
    keys = np.stack([fraction, decay], axis=1)
    runs: dict[tuple[float, float], History] = {}
    for key in np.unique(keys, axis=0):
        rows = np.flatnonzero((keys == key).all(axis=1))
        rows = rows[np.argsort(numbers["step"][rows], kind="stable")]
        config = GrokConfig(
            p=int(columns["p"][rows[0]]), train_fraction=float(key[0]),
            weight_decay=float(key[1]), lr=float(columns["lr"][rows[0]]),
            seed=int(columns["seed"][rows[0]]), steps=int(numbers["step"][rows[-1]]),
        )
        runs[(float(key[0]), float(key[1]))] = History(
            steps=numbers["step"][rows].astype(np.int64),
            **{name: numbers[name][rows] for name in METRICS},
            config=config,
        )
    return runs


def load_sweep(name: str = SWEEP_FILE) -> dict[tuple[float, float], History]:
    """Read the recorded sweep from the course's ``data/`` folder (:func:`sweep_from_columns`)."""
    from phaselab.data import read_csv

    return sweep_from_columns(read_csv(name))


def phase_map(
    sweep: Mapping[tuple[float, float], Any],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Classify every run of a sweep on its grid of training fractions and weight decays.

    Returns
    -------
    (fractions, decays, phase)
        The sorted grid values and an integer array ``phase[i, j]`` (decay ``i``, fraction
        ``j``) indexing :data:`PHASES`, or ``-1`` where the grid has no run.
    """
    fractions = np.array(sorted({key[0] for key in sweep}))
    decays = np.array(sorted({key[1] for key in sweep}))
    phase = np.full((decays.size, fractions.size), -1, dtype=np.int64)
    for (fraction, decay), history in sweep.items():
        i = int(np.searchsorted(decays, decay))
        j = int(np.searchsorted(fractions, fraction))
        phase[i, j] = PHASES.index(classify_run(history))
    return fractions, decays, phase
