"""Execution time of each lesson's solution notebook, and of the whole course.

Every run starts a fresh ``python3`` kernel in the notebook's folder and executes every cell
top to bottom, as a learner's "Restart kernel and run all" does: the demos run (not grading
mode), in the fast default mode (``PHASELAB_FULL`` unset), with matplotlib's inline backend.
The time runs from before the kernel starts to after it has shut down. The whole course is the
sum of the lessons of one repeat, run one after the other.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.core import Figure, Settings, at_most, environment, format_number, not_measured

GROUP = "notebooks"
TITLE = "Lessons: solution notebooks, top to bottom"
DESCRIPTION = (
    "Wall time to execute each solution notebook in a fresh kernel, top to bottom, demos "
    "included (fast mode, not grading mode), kernel start and shutdown included; the whole "
    "course is the sum of one repeat's lessons run one after the other. BLAS and the kernel "
    "use the library's default thread count, as a learner's would."
)

LESSON_GOAL = at_most(60.0, "s")
COURSE_GOAL = at_most(300.0, "s")

#: Seconds a single cell may run before the benchmark gives up on the notebook.
CELL_TIMEOUT_S = 600

#: Environment variables that would change what a notebook does; removed for its kernel.
MODE_VARIABLES = ("NBGRADER_EXECUTION", "PHASELAB_FULL", "MPLBACKEND")


@dataclasses.dataclass(frozen=True)
class Execution:
    """One top-to-bottom run of a notebook."""

    seconds: float
    cells: list[tuple[int, float, str]]  # (cell index, seconds, first line of code)
    error: str | None = None

    @property
    def cell_seconds(self) -> float:
        """Time spent inside cells (the rest is kernel start, shutdown and messaging)."""
        return sum(seconds for _, seconds, _ in self.cells)


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_durations(notebook: Any) -> list[tuple[int, float, str]]:
    """``(index, seconds, first code line)`` of every executed code cell.

    Read from the timing nbclient records in each cell's ``metadata.execution``: from the
    kernel going busy to its reply.
    """
    durations = []
    for index, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or "iopub.status.busy" not in timing \
                or "shell.execute_reply" not in timing:
            continue
        seconds = (_timestamp(timing["shell.execute_reply"])
                   - _timestamp(timing["iopub.status.busy"])).total_seconds()
        durations.append((index, seconds, cell_label(cell.source)))
    return durations


def cell_label(source: str, width: int = 60) -> str:
    """A code cell's most telling line: the first that is not a comment, an import or a
    ``run_demos()``/``full_mode()`` guard (else the first line), cut to ``width``."""
    lines = [line.strip() for line in source.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    telling = [line for line in lines
               if not line.startswith(("import ", "from ", "if run_demos", "if full_mode",
                                       "if not run_demos", "else:"))]
    chosen = (telling or lines or [""])[0]
    return chosen if len(chosen) <= width else chosen[: width - 1] + "…"


def execute(path: Path, *, timeout: float = CELL_TIMEOUT_S) -> Execution:
    """Run a notebook top to bottom in a fresh kernel and time it (never raises on errors)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=True)
    error = None
    with environment(remove=MODE_VARIABLES):
        start = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as failure:
            lines = [line for line in str(failure).splitlines() if line.strip()]
            error = lines[-1] if lines else "a cell failed"
        except Exception as failure:  # noqa: BLE001 - a kernel that dies is reported
            error = f"{type(failure).__name__}: {failure}"
        seconds = time.perf_counter() - start
    return Execution(seconds=seconds, cells=cell_durations(notebook), error=error)


def lesson_note(runs: list[Execution]) -> str:
    """Where a lesson's time goes: its slowest cells and the kernel's own overhead."""
    last = runs[-1]
    slowest = sorted(last.cells, key=lambda c: -c[1])[:3]
    cells = "; ".join(f"cell {i} {format_number(s)} s (`{line}`)" for i, s, line in slowest)
    overhead = min(r.seconds - r.cell_seconds for r in runs)
    return (f"{len(last.cells)} code cells; slowest: {cells}. Kernel start, shutdown and "
            f"messaging: {format_number(overhead)} s.")


def run(settings: Settings, lessons: list[str] | None = None,
        root: Path | None = None) -> list[Figure]:
    """Execute every lesson ``settings.count(3)`` times (the first lesson once in --quick)."""
    from autograde.course import REPO_ROOT, notebook_name

    root = root or REPO_ROOT
    names = settings.lessons(lessons, root)
    repeats = settings.count(3)
    runs: dict[str, list[Execution]] = {name: [] for name in names}
    for k in range(repeats):
        for name in names:
            settings.log(f"lesson {name}: run {k + 1}/{repeats}")
            runs[name].append(execute(root / "solutions" / name / notebook_name(name)))

    figures = []
    for name in names:
        ok = [r for r in runs[name] if r.error is None]
        label = f"lesson {name}"
        if not ok:
            figures.append(not_measured(GROUP, label, "s", "The notebook failed: "
                                        f"{runs[name][-1].error}", goal=LESSON_GOAL))
            continue
        figure = Figure(GROUP, label, "s", samples=[r.seconds for r in ok], goal=LESSON_GOAL,
                        note=lesson_note(ok),
                        details={"cells": [list(c) for c in ok[-1].cells],
                                 "failed_runs": len(runs[name]) - len(ok)})
        if figure.verdict == "misses":
            figure.note += (" Its slowest cells above take most of the time: give them a "
                            "faster default and move the textbook-sized version behind "
                            "`full_mode()`.")
        figures.append(figure)

    failed = [name for name in names if any(r.error for r in runs[name])]
    course = "whole course"
    if settings.quick and lessons is None:
        figures.append(not_measured(GROUP, course, "s", "`--quick` runs only the first lesson.",
                                    goal=COURSE_GOAL))
    elif failed:
        partial = sum(min(r.seconds for r in runs[name]) for name in names if name not in failed)
        figures.append(not_measured(
            GROUP, course, "s", f"{', '.join(failed)} failed in at least one run; the other "
            f"lessons take {format_number(partial)} s together.", goal=COURSE_GOAL))
    else:
        totals = [sum(runs[name][k].seconds for name in names) for k in range(repeats)]
        figure = Figure(GROUP, course, "s", samples=totals, goal=COURSE_GOAL,
                        note=f"The {len(names)} lessons of each repeat, executed one after "
                             "the other.")
        if figure.verdict == "misses":
            slow = [f.name for f in figures if f.verdict == "misses"]
            figure.note += (f" Lessons over their own goal: {', '.join(slow)}." if slow else
                            " Every lesson meets its own goal, but together they take too long.")
        figures.append(figure)
    return figures
