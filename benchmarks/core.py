"""What every benchmark shares: figures, goals, summary statistics, timers and run settings.

A :class:`Figure` is one number of the report: the samples of several runs of one measurement,
summarised by their median (the number held against the goal), minimum, maximum and 95th
percentile, with its unit, what it is compared with, and a note saying what was measured and,
when it misses its goal, why.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

#: Verdicts a figure can carry.
MEETS, MISSES, NO_GOAL, NOT_MEASURED = "meets", "misses", "no goal", "not measured"
VERDICTS: tuple[str, ...] = (MEETS, MISSES, NO_GOAL, NOT_MEASURED)

#: Where results are written by default.
BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Summary:
    """Median, extremes and 95th percentile of a set of samples."""

    median: float
    min: float
    max: float
    p95: float
    n: int


def summarise(samples: Sequence[float]) -> Summary:
    """Summarise repeated measurements.

    The median is the usual midpoint (mean of the two middle values for an even count); the
    95th percentile interpolates linearly between order statistics (numpy's default), so with
    few samples it lies between the two largest.

    Raises
    ------
    ValueError
        If there are no samples or one of them is not a finite number.
    """
    values = np.asarray(samples, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("summarise needs at least one sample")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"samples must be finite numbers, got {list(samples)}")
    return Summary(
        median=float(np.median(values)), min=float(values.min()), max=float(values.max()),
        p95=float(np.percentile(values, 95)), n=int(values.size),
    )


# ---------------------------------------------------------------------------------------------
# Goals and figures
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Goal:
    """A target for a figure's median: at most (``<=``) or at least (``>=``) ``value``."""

    op: Literal["<=", ">="]
    value: float
    unit: str

    def __post_init__(self) -> None:
        if self.op not in ("<=", ">="):
            raise ValueError(f"a goal is '<=' or '>=', got {self.op!r}")

    def met_by(self, value: float) -> bool:
        """True if ``value`` reaches the goal (the bound itself counts as reached)."""
        return value <= self.value if self.op == "<=" else value >= self.value

    def text(self) -> str:
        """The goal in words, e.g. ``≤ 60 s``."""
        sign = "≤" if self.op == "<=" else "≥"
        return f"{sign} {self.value:g} {self.unit}".rstrip()

    def to_json(self) -> dict[str, Any]:
        """The goal as a JSON object."""
        return {"op": self.op, "value": self.value, "unit": self.unit, "text": self.text()}


def at_most(value: float, unit: str) -> Goal:
    """Goal: the median must not exceed ``value``."""
    return Goal("<=", value, unit)


def at_least(value: float, unit: str) -> Goal:
    """Goal: the median must reach ``value``."""
    return Goal(">=", value, unit)


@dataclasses.dataclass
class Figure:
    """One measured number of the report.

    Parameters
    ----------
    group, name
        The figure group (e.g. ``"grokking"``) and a unique, readable name within it.
    unit
        Unit of the samples (``"s"``, ``"ms"``, ``"×"``, ``"%"``, ``"GFLOP/s"``).
    samples
        One value per repeat; empty if the figure could not be measured.
    compared_with
        What the figure is held against, in words (a goal, or another measurement).
    goal
        The goal the median is judged by, or ``None``.
    note
        What exactly was measured; why the goal is missed, when it is.
    details
        Further facts for the JSON file (thread counts, sizes, per-cell times...).
    show_p95
        Whether the report shows the 95th percentile (latencies).
    forced_verdict
        Overrides the verdict the samples give (e.g. ``misses`` when a run never grokked).
    measured
        ISO date and time of the measurement.
    """

    group: str
    name: str
    unit: str
    samples: list[float] = dataclasses.field(default_factory=list)
    compared_with: str = ""
    goal: Goal | None = None
    note: str = ""
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    show_p95: bool = False
    forced_verdict: str | None = None
    measured: str = dataclasses.field(default_factory=lambda: now_iso())

    def __post_init__(self) -> None:
        self.samples = [float(s) for s in self.samples]
        if not self.compared_with and self.goal is not None:
            self.compared_with = f"goal {self.goal.text()}"
        if self.forced_verdict is not None and self.forced_verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.forced_verdict!r}")

    @property
    def summary(self) -> Summary | None:
        """Statistics of the samples, or ``None`` when nothing was measured."""
        return summarise(self.samples) if self.samples else None

    @property
    def verdict(self) -> str:
        """``meets`` / ``misses`` the goal (judged on the median), ``no goal``, ``not measured``."""
        if self.forced_verdict is not None:
            return self.forced_verdict
        summary = self.summary
        if summary is None:
            return NOT_MEASURED
        if self.goal is None:
            return NO_GOAL
        return MEETS if self.goal.met_by(summary.median) else MISSES

    def to_json(self) -> dict[str, Any]:
        """The figure as a JSON object (see :data:`benchmarks.report.FIGURE_KEYS`)."""
        summary = self.summary
        stats = dataclasses.asdict(summary) if summary else dict.fromkeys(
            ("median", "min", "max", "p95"), None) | {"n": 0}
        return {
            "group": self.group, "name": self.name,
            "median": stats["median"], "min": stats["min"], "max": stats["max"],
            "p95": stats["p95"], "unit": self.unit, "n": stats["n"],
            "samples": self.samples, "compared_with": self.compared_with,
            "goal": self.goal.to_json() if self.goal else None, "verdict": self.verdict,
            "note": self.note, "show_p95": self.show_p95, "details": self.details,
            "measured": self.measured,
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Figure:
        """Rebuild a figure written by :meth:`to_json` (keeps a recorded verdict)."""
        goal = entry.get("goal")
        figure = cls(
            group=entry["group"], name=entry["name"], unit=entry["unit"],
            samples=list(entry.get("samples") or []), compared_with=entry.get("compared_with", ""),
            goal=Goal(goal["op"], goal["value"], goal["unit"]) if goal else None,
            note=entry.get("note", ""), details=dict(entry.get("details") or {}),
            show_p95=bool(entry.get("show_p95", False)), measured=entry.get("measured", ""),
        )
        if figure.verdict != entry["verdict"]:
            figure.forced_verdict = entry["verdict"]
        return figure


def not_measured(group: str, name: str, unit: str, reason: str, **kwargs: Any) -> Figure:
    """A figure that could not be measured, with the reason as its note."""
    return Figure(group=group, name=name, unit=unit, note=reason, **kwargs)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def format_number(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, without exponent for everyday magnitudes.

    ``None`` and NaN become an en dash.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 6 or magnitude < -4:
        return f"{value:.{digits - 1}e}"
    decimals = max(digits - 1 - magnitude, 0)
    return f"{value:.{decimals}f}"


def now_iso() -> str:
    """The local date and time, to the second, in ISO format."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------

Clock = Callable[[], float]


def time_call(fn: Callable[[], Any], *, clock: Clock = time.perf_counter) -> float:
    """Seconds one call of ``fn`` takes."""
    start = clock()
    fn()
    return clock() - start


def time_per_call(fn: Callable[[], Any], calls: int, *, clock: Clock = time.perf_counter) -> float:
    """Seconds per call of ``fn``, from one block of ``calls`` back-to-back calls."""
    if calls < 1:
        raise ValueError("time at least one call")
    start = clock()
    for _ in range(calls):
        fn()
    return (clock() - start) / calls


def paired_times(
    first: Callable[[], float], second: Callable[[], float], repeats: int
) -> tuple[list[float], list[float]]:
    """Measure two things alternately, ``repeats`` times each, in ABBA order.

    ``first`` and ``second`` each take one measurement and return it. Alternating the order
    from one repeat to the next keeps a slow drift of the machine (another job starting, the
    CPU clock changing) from favouring either side, so the ratios ``first / second`` of the
    same repeat compare like with like.

    Returns
    -------
    (a, b)
        The measurements of ``first`` and of ``second``, repeat by repeat.
    """
    a, b = [], []
    for k in range(repeats):
        if k % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
    return a, b


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Element-wise ratios of paired measurements."""
    if len(numerators) != len(denominators):
        raise ValueError("paired measurements must have equal counts")
    return [float(x) / float(y) for x, y in zip(numerators, denominators, strict=True)]


# ---------------------------------------------------------------------------------------------
# Run settings
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Settings:
    """How thoroughly to measure.

    Parameters
    ----------
    quick
        Few repeats and a subset of each group: for checking that the benchmarks work.
    full
        Also the slow, optional figures (the whole test suite, the whole full-preset run).
    repeats
        Overrides every group's default number of repeats.
    workdir
        Scratch space (scratch courses, logs); ignored by git.
    verbose
        Print progress to standard error.
    """

    quick: bool = False
    full: bool = False
    repeats: int | None = None
    workdir: Path = BENCH_DIR / ".runs"
    verbose: bool = True

    def count(self, default: int, quick: int = 1) -> int:
        """Repeats of a measurement: ``repeats`` if given, else the quick or normal default."""
        if self.repeats is not None:
            return max(int(self.repeats), 1)
        return quick if self.quick else default

    def lessons(self, chosen: Sequence[str] | None, root: Path) -> list[str]:
        """The lessons to measure: ``chosen``, else every lesson of ``root`` (only the first
        in quick mode)."""
        from autograde.course import assignments

        if chosen is not None:
            return list(chosen)
        names = assignments(root)
        return names[:1] if self.quick else names

    def log(self, message: str) -> None:
        """Report progress (on standard error, so output files stay clean)."""
        if self.verbose:
            print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def environment(remove: Sequence[str] = (), **set_vars: str) -> Iterator[None]:
    """Temporarily remove and set environment variables (for kernels and subprocesses)."""
    saved = dict(os.environ)
    try:
        for name in remove:
            os.environ.pop(name, None)
        os.environ.update(set_vars)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def blas_threads() -> int | None:
    """Threads the BLAS library would use now (``threadpoolctl``), or ``None`` if unknown."""
    from threadpoolctl import threadpool_info

    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts) if counts else None
