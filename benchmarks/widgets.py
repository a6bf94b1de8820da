"""Latency of every demo's callback: the pure compute function behind each widget.

Each demo in :mod:`phaselab.widgets` splits into a pure function that computes what the figure
shows from the control values and a ``build_*`` function that wires controls to a matplotlib
figure. The learner waits for both on every slider move; this group times the first, the part
the course's code decides, over many control settings drawn from each slider's range. The
matplotlib drawing is not timed.

:data:`REGISTRY` lists the demos explicitly. A demo whose module, function or data does not
exist yet is reported as not measured instead of failing the run.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from benchmarks.core import Figure, Settings, at_most, blas_threads, format_number, not_measured

GROUP = "widgets"
TITLE = "Widget callbacks"
DESCRIPTION = (
    "Two figures per demo. *Compute*: one call of the demo's pure compute function (what a "
    "slider move recomputes), over many control settings drawn at random from the sliders' "
    "ranges, after one untimed warm-up call. *Redraw*: one slider move on the real widget, in "
    "the kernel, from setting the control's value to the new PNG in the image widget (compute, "
    "matplotlib figure, PNG encoding; the browser's transport and display are not included). "
    "Data the demo loads or precomputes once is built before timing. BLAS uses its default "
    "thread count, as in a learner's kernel."
)

#: Goal of the issue: the median callback.
LATENCY_GOAL = at_most(50.0, "ms")

#: Control settings timed per demo (normal run, quick run).
SETTINGS_PER_WIDGET = 200
QUICK_SETTINGS_PER_WIDGET = 30

#: Slider moves timed per demo on the real widget (normal run, quick run).
REDRAWS_PER_WIDGET = 20
QUICK_REDRAWS_PER_WIDGET = 4


@dataclasses.dataclass(frozen=True)
class WidgetCase:
    """One demo to time.

    Parameters
    ----------
    lesson, title
        Which lesson shows it, and a short name.
    module, function
        Where the pure compute function lives.
    controls
        Given the positional arguments from ``context``, the values each control offers, by
        keyword (a slider's positions, a dropdown's options).
    context
        Builds the positional arguments passed before the controls (loaded or precomputed
        data); ``None`` if there are none. Not timed.
    valid
        Given the context and one setting, whether the demo offers it (e.g. only settings that
        exist in a precomputed grid); ``None`` accepts every combination.
    builder
        The function of ``module`` that builds the widget from the context (``None``: the
        redraw is not timed).
    """

    lesson: str
    title: str
    module: str
    function: str
    controls: Callable[[tuple[Any, ...]], Mapping[str, Sequence[Any]]]
    context: Callable[[], tuple[Any, ...]] | None = None
    valid: Callable[[tuple[Any, ...], Mapping[str, Any]], bool] | None = None
    builder: str | None = None

    @property
    def name(self) -> str:
        """The figure's name."""
        return f"lesson {self.lesson} {self.title}: `{self.function}`"

    @property
    def redraw_name(self) -> str:
        """The name of the redraw figure."""
        return f"lesson {self.lesson} {self.title}: redraw after a slider move"


def _span(low: float, high: float, step: float) -> list[float]:
    """Slider positions from ``low`` to ``high`` (inclusive) by ``step``."""
    return [float(x) for x in np.round(np.arange(low, high + step / 2, step), 10)]


def _log_span(low: float, high: float, step: float) -> list[float]:
    """Positions of a log slider over ``10**low ... 10**high``, exponent step ``step``."""
    return [10.0 ** x for x in _span(low, high, step)]


def _scaling_controls(_: tuple[Any, ...]) -> dict[str, list[Any]]:
    from phaselab import scaling

    return {"compute": _log_span(18.0, 26.0, 0.05), "parameter_set": list(scaling.PARAMETER_SETS)}


def _regime_grid() -> tuple[Any, ...]:
    from phaselab.phases import load_regime_grid

    return (load_regime_grid(),)


def _regime_controls(context: tuple[Any, ...]) -> dict[str, list[Any]]:
    grid = context[0]
    return {name: list(grid.levels[name])
            for name in ("n_params", "n_train", "batch_size", "learning_rate")}


def _regime_exists(context: tuple[Any, ...], setting: Mapping[str, Any]) -> bool:
    key = (setting["n_params"], setting["n_train"], setting["batch_size"],
           setting["learning_rate"])
    return key in context[0].runs


def _emergence_controls(_: tuple[Any, ...]) -> dict[str, list[Any]]:
    from phaselab.widgets import emergence

    return {"answer_length": list(range(1, 13)), "tau": _log_span(-2.0, 0.5, 0.05),
            "metric": list(emergence.METRIC_AXES)}


def _grokking_sweep() -> tuple[Any, ...]:
    from phaselab import grokking

    return (grokking.load_sweep(),)


def _grokking_controls(context: tuple[Any, ...]) -> dict[str, list[Any]]:
    from phaselab import grokking

    fractions, decays, _ = grokking.phase_map(context[0])
    return {"train_fraction": [float(f) for f in fractions],
            "weight_decay": [float(d) for d in decays]}


def _double_descent_sweeps() -> tuple[Any, ...]:
    from phaselab.widgets import double_descent

    # The sizes, repeats and seed lesson 05 builds its demo with.
    return (double_descent.build_sweeps((50, 75, 150), repeats=5, seed=1),)


def _double_descent_controls(context: tuple[Any, ...]) -> dict[str, list[Any]]:
    return {"sigma": _span(0.0, 1.5, 0.05), "lam": _log_span(-8.0, 1.0, 0.25),
            "n_train": sorted(int(n) for n in context[0])}


#: The demos of the course, one per lesson.
REGISTRY: tuple[WidgetCase, ...] = (
    WidgetCase("00", "power-law demo", "phaselab.widgets.powerlaw", "powerlaw_view",
               lambda _: {"exponent": _span(0.05, 1.0, 0.05), "floor": _span(0.0, 3.0, 0.1),
                          "scale": _span(0.5, 20.0, 0.5)}, builder="build"),
    WidgetCase("01", "compute-budget explorer", "phaselab.widgets.scaling", "budget_view",
               _scaling_controls, builder="build_compute_explorer"),
    WidgetCase("02", "regime explorer", "phaselab.widgets.phases", "explorer_state",
               _regime_controls, context=_regime_grid, valid=_regime_exists,
               builder="build_explorer"),
    WidgetCase("03", "emergence explorer", "phaselab.widgets.emergence", "explorer_curves",
               _emergence_controls, builder="build_explorer"),
    WidgetCase("04", "grokking sweep explorer", "phaselab.widgets.grokking", "sweep_view",
               _grokking_controls, context=_grokking_sweep, builder="build_sweep_explorer"),
    WidgetCase("05", "double-descent demo", "phaselab.widgets.double_descent", "curve_view",
               _double_descent_controls, context=_double_descent_sweeps,
               builder="build_double_descent_demo"),
    WidgetCase("06", "broken-scaling-law explorer", "phaselab.widgets.bnsl", "break_view",
               lambda _: {"c0": _span(-0.5, 1.5, 0.05), "c1": _span(-2.0, 3.0, 0.05),
                          "log10_d": _span(1.0, 7.0, 0.1), "f": _log_span(-2.0, 0.5, 0.05)},
               builder="build"),
)


def sample_settings(controls: Mapping[str, Sequence[Any]], count: int, *, seed: int = 0,
                    valid: Callable[[Mapping[str, Any]], bool] | None = None
                    ) -> list[dict[str, Any]]:
    """Up to ``count`` distinct control settings drawn at random from every combination.

    Deterministic for a given ``seed``; every setting is offered by the demo (``valid``).
    When there are fewer valid combinations than ``count``, all of them are returned.
    """
    names = list(controls)
    combos = [dict(zip(names, values, strict=True))
              for values in itertools.product(*(controls[name] for name in names))]
    if valid is not None:
        combos = [combo for combo in combos if valid(combo)]
    if len(combos) <= count:
        return combos
    chosen = np.random.default_rng(seed).choice(len(combos), size=count, replace=False)
    return [combos[int(k)] for k in chosen]


def time_settings(fn: Callable[..., Any], context: tuple[Any, ...],
                  settings: Sequence[Mapping[str, Any]], *,
                  clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Milliseconds of ``fn(*context, **setting)`` for each setting, one call each."""
    latencies = []
    for setting in settings:
        start = clock()
        fn(*context, **setting)
        latencies.append((clock() - start) * 1e3)
    return latencies


def measure(case: WidgetCase, count: int, settings: Settings | None = None) -> Figure:
    """Time one demo over ``count`` control settings; not measured if it is unavailable."""
    log = settings.log if settings else (lambda _message: None)
    try:
        fn = getattr(importlib.import_module(case.module), case.function)
    except (ImportError, AttributeError) as error:
        return not_measured(GROUP, case.name, "ms", f"`{case.module}.{case.function}` is not "
                            f"available yet ({type(error).__name__}: {error}).",
                            goal=LATENCY_GOAL, show_p95=True)
    try:
        start = time.perf_counter()
        context = case.context() if case.context else ()
        setup_s = time.perf_counter() - start
        controls = case.controls(context)
        valid = (lambda s: case.valid(context, s)) if case.valid else None
        chosen = sample_settings(controls, count + 1, valid=valid)
        if not chosen:
            raise ValueError("the demo offers no control setting")
        log(f"{case.name}: {len(chosen) - 1} settings")
        first = time_settings(fn, context, chosen[:1])[0]
        latencies = time_settings(fn, context, chosen[1:]) or [first]
    except Exception as error:  # noqa: BLE001 - a broken demo is reported, not fatal
        return not_measured(GROUP, case.name, "ms", f"The demo failed: "
                            f"{type(error).__name__}: {error}", goal=LATENCY_GOAL, show_p95=True)
    sizes = {name: len(values) for name, values in controls.items()}
    figure = Figure(
        GROUP, case.name, "ms", samples=latencies, goal=LATENCY_GOAL, show_p95=True,
        details={"controls": sizes, "first_call_ms": first, "setup_s": setup_s,
                 "blas_threads": blas_threads()},
        note=(f"{len(latencies)} settings of {' × '.join(map(str, sizes.values()))} "
              f"({', '.join(sizes)}); first call {format_number(first)} ms"
              + (f"; data built once beforehand in {format_number(setup_s)} s"
                 if case.context else "") + "."),
    )
    if figure.verdict == "misses":
        slowest = sorted(latencies)[-1]
        figure.note += (f" The median call takes longer than a slider move can wait; the "
                        f"slowest took {format_number(slowest)} ms: the compute function "
                        f"does more than recombine precomputed arrays.")
    return figure


def slider_moves(controls: Mapping[str, Any], count: int, *,
                 seed: int = 0) -> list[tuple[str, Any]]:
    """``count`` moves ``(control name, new value)`` of a built widget's ``controls``, drawn at
    random: each control in turn, each move to a value other than the one before it."""
    rng = np.random.default_rng(seed)
    names = sorted(controls)
    current = {name: controls[name].value for name in names}
    moves = []
    for k in range(count):
        name = names[k % len(names)]
        options = _positions(controls[name])
        choices = [v for v in options if v != current[name]]
        if not choices:
            continue
        value = choices[int(rng.integers(len(choices)))]
        moves.append((name, value))
        current[name] = value
    return moves


def _positions(control: Any) -> list[Any]:
    """The values a control offers: a dropdown's options, a check box's two states, a slider's
    positions."""
    if isinstance(control.value, bool):
        return [False, True]
    options = getattr(control, "options", None)
    if options:
        return [value for _label, value in options] if isinstance(options[0], tuple) else list(
            options)
    if hasattr(control, "base"):  # a log slider: exponents from min to max
        return _log_span(control.min, control.max, control.step)
    return _span(control.min, control.max, control.step)


def measure_redraw(case: WidgetCase, count: int, settings: Settings | None = None,
                   *, compute: Figure | None = None) -> Figure | None:
    """Time ``count`` slider moves on the real widget of ``case`` (``None`` without a
    builder); ``compute`` is the demo's compute figure, quoted when the goal is missed."""
    if case.builder is None:
        return None
    log = settings.log if settings else (lambda _message: None)
    try:
        import matplotlib

        matplotlib.use("Agg")
        build = getattr(importlib.import_module(case.module), case.builder)
        context = case.context() if case.context else ()
        box = build(*context)
        moves = slider_moves(box.controls, count + 1)
        log(f"{case.redraw_name}: {len(moves) - 1} moves")
        latencies = []
        for name, value in moves:
            before = box.image.value
            start = time.perf_counter()
            box.controls[name].value = value
            latencies.append((time.perf_counter() - start) * 1e3)
            if box.image.value == before:
                raise RuntimeError(f"moving {name} did not redraw the figure")
        first, latencies = latencies[0], latencies[1:] or latencies[:1]
    except Exception as error:  # noqa: BLE001 - a broken demo is reported, not fatal
        return not_measured(GROUP, case.redraw_name, "ms", f"The demo failed: "
                            f"{type(error).__name__}: {error}", goal=LATENCY_GOAL, show_p95=True)
    figure = Figure(
        GROUP, case.redraw_name, "ms", samples=latencies, goal=LATENCY_GOAL, show_p95=True,
        details={"first_move_ms": first, "controls": sorted(box.controls)},
        note=(f"{len(latencies)} moves of the controls {', '.join(sorted(box.controls))}, "
              f"each in turn, after one untimed move."),
    )
    if figure.verdict == "misses":
        if compute is not None and compute.summary is not None and figure.summary is not None:
            figure.note += (f" The demo's own computation takes "
                            f"{format_number(compute.summary.median)} ms of the "
                            f"{format_number(figure.summary.median)} ms; the rest is "
                            "matplotlib.")
        figure.note += (" Every move builds a new figure (axes, log-scale ticks, mathematical "
                        "labels), draws it and encodes it as PNG. Meeting the goal would need "
                        "one persistent figure updated in place, or a plot drawn in the "
                        "browser.")
    return figure


#: Modules of :mod:`phaselab.widgets` that hold no demo.
NOT_DEMOS: frozenset[str] = frozenset({"core"})


def unregistered(registry: Sequence[WidgetCase]) -> list[str]:
    """Demo modules of :mod:`phaselab.widgets` that ``registry`` does not time."""
    import pkgutil

    import phaselab.widgets

    known = {case.module for case in registry}
    found = (f"phaselab.widgets.{info.name}" for info in pkgutil.iter_modules(
        phaselab.widgets.__path__) if info.name not in NOT_DEMOS)
    return sorted(module for module in found if module not in known)


def run(settings: Settings, registry: Sequence[WidgetCase] | None = None) -> list[Figure]:
    """Time every demo of ``registry`` (default :data:`REGISTRY`); a demo module nobody
    registered is reported as not measured, so that a new lesson's demo is not forgotten."""
    cases = registry or REGISTRY
    count = QUICK_SETTINGS_PER_WIDGET if settings.quick else SETTINGS_PER_WIDGET
    redraws = QUICK_REDRAWS_PER_WIDGET if settings.quick else REDRAWS_PER_WIDGET
    figures = []
    for case in cases:
        compute = measure(case, count, settings)
        figures.append(compute)
        redraw = measure_redraw(case, redraws, settings, compute=compute)
        if redraw is not None:
            figures.append(redraw)
    figures += [not_measured(GROUP, f"`{module}`", "ms", "A demo module without an entry in "
                             "`benchmarks.widgets.REGISTRY`: add its pure compute function "
                             "and control ranges there.", goal=LATENCY_GOAL, show_p95=True)
                for module in unregistered(cases)]
    return figures
