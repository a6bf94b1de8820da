"""Training speed of lesson 04's grokking network (:mod:`phaselab.grokking`).

Figures:

* wall time to grok (validation accuracy at least 95 %) with the FAST and FULL presets,
  from the start of :func:`phaselab.grokking.train` (data split, initialisation and the
  evaluations included, as a learner waits for them);
* time per training step of the numpy implementation and of a straightforward PyTorch CPU
  implementation of the same model and optimiser (:mod:`benchmarks.torch_reference`), and
  their ratio, taken step block by step block in the same run;
* the float32 matrix-multiply peak of the machine: at a large square size, and at the sizes of
  the step's own matrix products (the same products replayed alone);
* the GFLOP/s a training step achieves on its matrix work (the flops of its matrix products
  divided by the time of the whole step) and its share of that peak.

The step figures use one BLAS thread (``threadpoolctl``) and one PyTorch thread, as
:func:`phaselab.grokking.train` does by default.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.core import (
    Figure,
    Settings,
    at_least,
    at_most,
    format_number,
    not_measured,
    paired_times,
    ratios,
    time_per_call,
)

GROUP = "grokking"
TITLE = "Grokking: training speed (lesson 04)"
DESCRIPTION = (
    "Wall time until validation accuracy first reaches 95 % (training from scratch with "
    "`phaselab.grokking.train`, data split and evaluations included); time per full-batch "
    "training step of the numpy network against a straightforward PyTorch CPU version of the "
    "same model and AdamW (same initial parameters, float32; ratio taken step block by step "
    "block in the same run); the step's matrix work in GFLOP/s against the float32 "
    "matrix-multiply peak measured on this machine. Step figures use 1 BLAS thread and 1 "
    "PyTorch thread, as `train` does."
)

#: Goals of the issue.
GROK_FAST_GOAL = at_most(5.0, "s")
GROK_FULL_GOAL = at_most(30.0, "s")
STEP_RATIO_GOAL = at_most(0.5, "×")
PEAK_SHARE_GOAL = at_least(70.0, "%")

#: Threads used for the step figures (those of ``grokking.train``'s default).
STEP_THREADS = 1

#: Side of the large square matrix product that measures the peak.
PEAK_SIZE = 2048

#: Training steps per timed block, and warm-up steps before timing.
STEPS_PER_BLOCK = 10
WARMUP_STEPS = 3

# ---------------------------------------------------------------------------------------------
# Time to grok
# ---------------------------------------------------------------------------------------------


class _Grokked(Exception):
    """Raised from the training callback to stop a run once it has grokked."""

    def __init__(self, step: int, seconds: float) -> None:
        super().__init__(step, seconds)
        self.step = step
        self.seconds = seconds


@dataclasses.dataclass(frozen=True)
class GrokTime:
    """How long one run took to grok: seconds and step, or ``None`` if it never did."""

    seconds: float | None
    step: int | None
    elapsed: float


def time_to_grok(config: Any, *, threshold: float | None = None, threads: int = STEP_THREADS,
                 clock: Callable[[], float] = time.perf_counter) -> GrokTime:
    """Train with ``config`` until validation accuracy reaches ``threshold``, and time it.

    The run stops at the first evaluation step at or above the threshold (default
    :data:`phaselab.grokking.VAL_THRESHOLD`); the rest of the run would not change the figure.
    """
    from phaselab import grokking

    level = grokking.VAL_THRESHOLD if threshold is None else threshold
    start = clock()

    def stop_when_grokked(step: int, _params: Any, record: dict[str, float]) -> None:
        if record["val_acc"] >= level:
            raise _Grokked(step, clock() - start)

    try:
        grokking.train(config, callback=stop_when_grokked, threads=threads)
    except _Grokked as done:
        return GrokTime(seconds=done.seconds, step=done.step, elapsed=done.seconds)
    return GrokTime(seconds=None, step=None, elapsed=clock() - start)


def time_whole_run(config: Any, *, threads: int = STEP_THREADS,
                   clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds of a complete :func:`phaselab.grokking.train` run with ``config``."""
    from phaselab import grokking

    start = clock()
    grokking.train(config, threads=threads)
    return clock() - start


# ---------------------------------------------------------------------------------------------
# One training step, its matrix products, and the peak
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Gemm:
    """One matrix product ``(m x k) @ (k x n)``; ``a_t``/``b_t``: operand read transposed."""

    label: str
    m: int
    k: int
    n: int
    a_t: bool = False
    b_t: bool = False

    @property
    def flops(self) -> int:
        """Floating-point operations: one multiply and one add per term."""
        return 2 * self.m * self.k * self.n


def step_gemms(p: int, d: int, hidden: int, n: int) -> list[Gemm]:
    """The matrix products of one step of :func:`phaselab.grokking.loss_and_grads`.

    ``p`` tokens, embedding width ``d``, ``hidden`` units, ``n`` training examples. The
    forward pass projects the embedding through both halves of ``W1`` and reads out the
    logits; the backward pass has the read-out's two gradients and, for each operand, the
    gradients of ``W1``'s half and of the embedding. (The per-token sums of the backward pass
    are additions, not products, and are not counted.)
    """
    return [
        Gemm("E @ W1[:d]", p, d, hidden), Gemm("E @ W1[d:]", p, d, hidden),
        Gemm("h @ W2", n, hidden, p),
        Gemm("h.T @ dlogits", hidden, n, p, a_t=True),
        Gemm("dlogits @ W2.T", n, p, hidden, b_t=True),
        Gemm("E.T @ dleft", d, p, hidden, a_t=True), Gemm("E.T @ dright", d, p, hidden, a_t=True),
        Gemm("dleft @ W1[:d].T", p, hidden, d, b_t=True),
        Gemm("dright @ W1[d:].T", p, hidden, d, b_t=True),
    ]


def gemm_flops(gemms: list[Gemm]) -> int:
    """Total floating-point operations of a list of products."""
    return sum(g.flops for g in gemms)


class GemmReplay:
    """The given matrix products on random float32 operands of the same shapes and layouts.

    Calling the object runs every product once, into preallocated outputs: the time the
    step's matrix work takes when nothing else happens between the products.
    """

    def __init__(self, gemms: list[Gemm], seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.operands = []
        for g in gemms:
            a = rng.standard_normal((g.k, g.m) if g.a_t else (g.m, g.k)).astype(np.float32)
            b = rng.standard_normal((g.n, g.k) if g.b_t else (g.k, g.n)).astype(np.float32)
            self.operands.append((a.T if g.a_t else a, b.T if g.b_t else b,
                                  np.empty((g.m, g.n), dtype=np.float32)))
        self.flops = gemm_flops(gemms)

    def __call__(self) -> None:
        for a, b, out in self.operands:
            np.matmul(a, b, out=out)


def square_gemm_seconds(size: int, threads: int, repeats: int) -> list[float]:
    """Seconds of ``repeats`` float32 products of two ``size x size`` matrices (one each)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    out = np.empty_like(a)
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
        return [time_per_call(lambda: np.matmul(a, b, out=out), 1) for _ in range(repeats)]


class NumpyStepper:
    """Training steps of :mod:`phaselab.grokking` exactly as :func:`~phaselab.grokking.train`
    takes them (one workspace, in-place AdamW), without evaluations."""

    def __init__(self, config: Any, seed: int = 0) -> None:
        from phaselab import grokking

        self.grokking = grokking
        self.config = config
        self.train_set, _ = grokking.split_dataset(config.p, config.train_fraction, config.seed)
        self.initial = grokking.init_params(config.p, config.d_embed, config.d_hidden, seed=seed)
        self.params = {k: v.copy() for k, v in self.initial.items()}
        rows = self.train_set
        self.workspace = grokking.Workspace(self.params, rows[:, 0], rows[:, 1], rows[:, 2])
        self.state = grokking.AdamWState.zeros_like(self.params)

    def gradients(self) -> Any:
        """Loss and gradients at the current parameters (forward and backward only)."""
        return self.grokking.loss_and_grads(self.params, workspace=self.workspace)

    def update(self, grads: Any) -> None:
        """One AdamW update with the configuration's settings."""
        c = self.config
        self.grokking.adamw_step(self.params, grads, self.state, lr=c.lr, betas=c.betas,
                                 eps=c.eps, weight_decay=c.weight_decay)

    def __call__(self) -> float:
        loss, _, grads = self.gradients()
        self.update(grads)
        return loss

    @property
    def gemms(self) -> list[Gemm]:
        """The matrix products of one of these steps."""
        p, d = self.initial["embed"].shape
        return step_gemms(p, d, self.initial["w1"].shape[1], self.train_set.shape[0])


def breakdown(stepper: NumpyStepper, block: int, repeats: int) -> tuple[float, float]:
    """Median seconds of forward-and-backward alone and of the AdamW update alone."""
    _, _, grads = stepper.gradients()
    grads = {name: value.copy() for name, value in grads.items()}
    grads_s = [time_per_call(stepper.gradients, block) for _ in range(repeats)]
    adamw_s = [time_per_call(lambda: stepper.update(grads), block) for _ in range(repeats)]
    return float(np.median(grads_s)), float(np.median(adamw_s))


def torch_stepper(numpy_stepper: NumpyStepper) -> Callable[[], float]:
    """A PyTorch step on the same examples, from the same initial parameters."""
    from benchmarks.torch_reference import TorchTrainer

    c = numpy_stepper.config
    trainer = TorchTrainer(numpy_stepper.initial, numpy_stepper.train_set, lr=c.lr,
                           betas=c.betas, eps=c.eps, weight_decay=c.weight_decay)
    return trainer.step


def agreement(config: Any, steps: int = 3) -> float:
    """Largest relative difference of the training loss between numpy and PyTorch over
    ``steps`` steps from the same start: evidence that both run the same model."""
    numpy_step = NumpyStepper(config)
    torch_step = torch_stepper(numpy_step)
    worst = 0.0
    for _ in range(steps):
        a, b = numpy_step(), torch_step()
        worst = max(worst, abs(a - b) / max(abs(a), 1e-12))
    return worst


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{format_number(seconds * 1e3)} ms"


def grok_figure(name: str, config: Any, goal: Any, repeats: int, step_s: float | None,
                settings: Settings) -> Figure:
    """Time to grok for one preset, ``repeats`` runs."""
    from phaselab import grokking

    runs = []
    for k in range(repeats):
        settings.log(f"{name}: run {k + 1}/{repeats}")
        runs.append(time_to_grok(config))
    grokked = [r for r in runs if r.seconds is not None]
    steps = [r.step for r in grokked]
    threshold = grokking.VAL_THRESHOLD
    details = {"p": config.p, "train_fraction": config.train_fraction, "lr": config.lr,
               "weight_decay": config.weight_decay, "steps_to_grok": steps,
               "max_steps": config.steps, "blas_threads": STEP_THREADS}
    if not grokked:
        return Figure(GROUP, name, "s", goal=goal, forced_verdict="misses", details=details,
                      note=f"Validation accuracy never reached {threshold * 100:g} % within "
                           f"{config.steps} steps "
                           f"({format_number(max(r.elapsed for r in runs))} s).")
    step_count = int(np.median(steps))
    note = (f"Modulus p = {config.p}, lr = {config.lr:g}, weight decay "
            f"{config.weight_decay:g}: groks at step {step_count} (evaluated every "
            f"{config.eval_every} steps); the run stops there.")
    if step_s is not None:
        training = step_count * step_s
        rest = max(float(np.median([r.seconds for r in grokked])) - training, 0.0)
        note += (f" Steps × median step time (above) = {format_number(training)} s; set-up and "
                 f"evaluations take the other {format_number(rest)} s.")
    if len(grokked) < len(runs):
        note += f" {len(runs) - len(grokked)} of {len(runs)} runs never grokked."
    figure = Figure(GROUP, name, "s", samples=[r.seconds for r in grokked], goal=goal,
                    note=note, details=details)
    if figure.verdict == "misses" and step_s is not None:
        needed = goal.value / int(np.median(steps))
        figure.note += (f" Meeting {goal.text()} at this step count needs at most "
                        f"{_ms(needed)} per step, evaluations included, or fewer steps to grok.")
    return figure


def step_figures(label: str, config: Any, repeats: int, settings: Settings,
                 square_peak: float | None = None) -> list[Figure]:
    """Per-step time (numpy, PyTorch), their ratio, and the step's share of the matmul peak.

    ``square_peak`` (GFLOP/s on one thread, large square matrices) is quoted for comparison.
    """
    from threadpoolctl import threadpool_limits

    from benchmarks import torch_reference

    figures: list[Figure] = []
    size = f"Modulus p = {config.p}, n = {round(config.train_fraction * config.p ** 2)} examples"
    numpy_step = NumpyStepper(config)
    replay = GemmReplay(numpy_step.gemms)
    block = STEPS_PER_BLOCK
    threads = {"blas_threads": STEP_THREADS}
    with threadpool_limits(limits=STEP_THREADS, user_api="blas"):
        for _ in range(WARMUP_STEPS):
            numpy_step()
            replay()

        # 1. numpy against PyTorch, block by block.
        if torch_reference.available():
            import torch

            saved_threads = torch.get_num_threads()
            torch.set_num_threads(STEP_THREADS)
            try:
                torch_step = torch_stepper(numpy_step)
                for _ in range(WARMUP_STEPS):
                    torch_step()
                settings.log(f"{label}: numpy against PyTorch, {repeats} blocks")
                np_s, torch_s = paired_times(lambda: time_per_call(numpy_step, block),
                                             lambda: time_per_call(torch_step, block), repeats)
                diff = agreement(config)
            finally:
                torch.set_num_threads(saved_threads)
            torch_threads = {**threads, "torch_threads": STEP_THREADS,
                             "torch": torch_reference.version()}
            rel = ratios(np_s, torch_s)
            np_med, torch_med = float(np.median(np_s)), float(np.median(torch_s))
            figures.append(Figure(
                GROUP, f"{label}: numpy step", "ms", samples=[s * 1e3 for s in np_s],
                compared_with="PyTorch step below", details={**threads, "steps_per_block": block},
                note=f"{size}; one full-batch step (forward, backward, AdamW), median of "
                     f"blocks of {block} steps."))
            figures.append(Figure(
                GROUP, f"{label}: PyTorch step", "ms", samples=[s * 1e3 for s in torch_s],
                compared_with="reference for the ratio", details=torch_threads,
                note=f"PyTorch {torch_reference.version()} CPU, `nn.Embedding` + concatenation + "
                     f"two `nn.Linear`, `F.cross_entropy`, `torch.optim.AdamW`; losses agree "
                     f"with numpy to {format_number(diff, 2)} (relative) over 3 steps."))
            ratio = Figure(
                GROUP, f"{label}: numpy / PyTorch step time", "×", samples=rel,
                goal=STEP_RATIO_GOAL, details=torch_threads,
                compared_with=f"goal {STEP_RATIO_GOAL.text()} (same-run ratio)",
                note=f"Ratio of the two blocks of each repeat (order alternated): numpy "
                     f"{_ms(np_med)} against PyTorch {_ms(torch_med)} per step.")
            if ratio.verdict == "misses":
                ratio.note += (" The numpy step is not yet twice as fast as PyTorch's; see the "
                               "matrix-work figures below for where its time goes.")
            figures.append(ratio)
        else:
            settings.log(f"{label}: PyTorch not installed, timing numpy only")
            np_s = [time_per_call(numpy_step, block) for _ in range(repeats)]
            figures.append(Figure(
                GROUP, f"{label}: numpy step", "ms", samples=[s * 1e3 for s in np_s],
                details={**threads, "steps_per_block": block},
                note=f"{size}; one full-batch step, median of blocks of {block} steps."))
            reason = ("PyTorch not installed: the comparison is optional and PyTorch is never a "
                      "dependency of the course (`pip install torch` to measure it).")
            figures.append(not_measured(GROUP, f"{label}: PyTorch step", "ms", reason))
            figures.append(not_measured(GROUP, f"{label}: numpy / PyTorch step time", "×",
                                        reason, goal=STEP_RATIO_GOAL))

        # 2. The step against its own matrix products replayed alone.
        settings.log(f"{label}: step against its matrix products, {repeats} blocks")
        step_s, gemm_s = paired_times(lambda: time_per_call(numpy_step, block),
                                      lambda: time_per_call(replay, block), repeats)
        grads_s, adamw_s = breakdown(numpy_step, block, max(repeats // 2, 1))
    flops = replay.flops
    step_med, gemm_med = float(np.median(step_s)), float(np.median(gemm_s))
    achieved = [flops / s / 1e9 for s in step_s]
    peak = [flops / s / 1e9 for s in gemm_s]
    share = [100 * g / s for g, s in zip(gemm_s, step_s, strict=True)]
    gemm_details = {**threads, "matmul_flops_per_step": flops,
                    "products": [dataclasses.asdict(g) for g in numpy_step.gemms]}
    peak_note = (f"The step's {len(numpy_step.gemms)} float32 products "
                 f"({format_number(flops / 1e6)} MFLOP) replayed back to back on random "
                 f"operands of the same shapes and layouts: {_ms(gemm_med)}")
    if square_peak:
        peak_note += (f", {format_number(100 * float(np.median(peak)) / square_peak)} % of the "
                      f"1-thread large square peak")
    figures.append(Figure(
        GROUP, f"{label}: matmul peak at the step's sizes", "GFLOP/s", samples=peak,
        compared_with="large square peak (1 thread)", details=gemm_details,
        note=peak_note + "."))
    figures.append(Figure(
        GROUP, f"{label}: step's achieved GFLOP/s", "GFLOP/s", samples=achieved,
        compared_with="matmul peak at the step's sizes", details=gemm_details,
        note="The step's matrix-product flops divided by the time of the whole step."))
    share_figure = Figure(
        GROUP, f"{label}: share of the matmul peak", "%", samples=share, goal=PEAK_SHARE_GOAL,
        compared_with=f"goal {PEAK_SHARE_GOAL.text()} (same-run ratio)", details=gemm_details,
        note=f"Achieved GFLOP/s over the peak at the step's sizes, block by block: the products "
             f"take {_ms(gemm_med)} of a {_ms(step_med)} step.")
    if share_figure.verdict == "misses":
        share_figure.note += (
            f" The rest is memory-bound work that runs far below the matmul rate. Timed apart "
            f"(medians of separate blocks): forward and backward {_ms(grads_s)}, of which about "
            f"{_ms(max(grads_s - gemm_med, 0.0))} are gathers, softmax, ReLU masks and the "
            f"per-token sums of the backward pass; AdamW {_ms(adamw_s)} over "
            f"{sum(v.size for v in numpy_step.initial.values()):,} parameters.")
    figures.append(share_figure)
    return figures


def peak_figures(settings: Settings) -> list[Figure]:
    """The float32 matrix-multiply peak at a large square size, on 1 thread and all cores."""
    import os

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    size = PEAK_SIZE // 2 if settings.quick else PEAK_SIZE
    figures = []
    for threads in sorted({1, usable or 1}):
        settings.log(f"matmul peak {size}² on {threads} thread(s)")
        seconds = square_gemm_seconds(size, threads, settings.count(5, quick=2))
        figures.append(Figure(
            GROUP, f"matmul peak, large square float32, {threads} thread{'s' * (threads > 1)}",
            "GFLOP/s", samples=[2 * size ** 3 / s / 1e9 for s in seconds],
            compared_with="–", details={"size": size, "blas_threads": threads},
            note=f"One product of two random {size} × {size} matrices per sample, after a "
                 "warm-up."))
    return figures


def run(settings: Settings) -> list[Figure]:
    """Measure every figure of the group."""
    from phaselab import grokking

    presets = [("FAST", grokking.FAST)] if settings.quick else [("FAST", grokking.FAST),
                                                                ("FULL", grokking.FULL)]
    figures = peak_figures(settings)
    square_peak = figures[0].summary.median  # one thread, as the step figures
    step_time: dict[str, float] = {}
    for name, config in presets:
        block = step_figures(f"{name} step (p = {config.p})", config,
                             settings.count(7, quick=3), settings, square_peak=square_peak)
        figures += block
        numpy_step = next(f for f in block if f.name.endswith("numpy step"))
        step_time[name] = numpy_step.summary.median / 1e3
    figures.append(grok_figure("FAST preset: time to grok", grokking.FAST, GROK_FAST_GOAL,
                               settings.count(3), step_time.get("FAST"), settings))
    if settings.quick:
        figures.append(not_measured(
            GROUP, "FULL preset (p = 97): time to grok", "s",
            "Skipped in `--quick`: one run takes a minute or more.", goal=GROK_FULL_GOAL))
    else:
        figures.append(grok_figure("FULL preset (p = 97): time to grok", grokking.FULL,
                                   GROK_FULL_GOAL, settings.count(1), step_time.get("FULL"),
                                   settings))
    if settings.full:
        runs = settings.count(1)
        seconds = []
        for k in range(runs):
            settings.log(f"FULL preset: whole run {k + 1}/{runs}")
            seconds.append(time_whole_run(grokking.FULL))
        figures.append(Figure(
            GROUP, f"FULL preset (p = 97): whole {grokking.FULL.steps}-step run", "s",
            samples=seconds, goal=GROK_FULL_GOAL,
            note="The complete run of the lesson's full mode, evaluations included."))
    return figures
