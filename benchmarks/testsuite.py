"""Wall time of the test suite.

By default the fast subset is run: the unit tests, ``pytest tests -m "not slow"`` (no notebook
execution, no nbgrader). The whole suite (the pytest command of ``make test``, with its
arguments: every solution notebook and grading round trip included) is run only with
``--full``; without it, the whole-suite figure recorded by the last ``--full`` run is carried
over with its date.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.core import Figure, Settings, environment, not_measured

GROUP = "tests"
TITLE = "Test suite"
DESCRIPTION = (
    "Wall time of pytest, started as a new process in the repository. The fast subset is the "
    "unit tests (`pytest tests -m \"not slow\"`, one process): no notebook execution, no "
    "nbgrader. The whole suite (`make test`'s pytest command, every solution notebook and "
    "grading round trip included) runs only with `python -m benchmarks.run --full`; otherwise "
    "its last recorded time is carried over, with its date."
)

FAST_ARGS: tuple[str, ...] = ("tests", "-m", "not slow", "-q")
FAST_NAME = 'unit tests: `pytest tests -m "not slow"`'
FULL_NAME = "whole suite: `make test`"

_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)")


def outcome_counts(output: str) -> dict[str, int]:
    """The counts of pytest's final summary line (``3 passed, 1 skipped in 2.1s``).

    ``error`` and ``errors`` are both counted as ``errors``.
    """
    lines = [line for line in output.splitlines() if re.search(r"\bin [\d.]+s\b", line)]
    counts: dict[str, int] = {}
    for number, kind in _COUNT.findall(lines[-1] if lines else ""):
        key = "errors" if kind.startswith("error") else kind
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def make_test_args(makefile: Path) -> list[str]:
    """The pytest arguments of the Makefile's ``test`` target (``[]`` if it has none).

    The whole-suite figure times exactly what ``make test`` runs, e.g. ``-n 2 --dist
    loadfile`` when the suite is spread over two processes.
    """
    try:
        lines = makefile.read_text().splitlines()
    except OSError:
        return []
    in_test = False
    for line in lines:
        if re.match(r"^test\s*:", line):
            in_test = True
        elif in_test and line.startswith("\t"):
            match = re.search(r"-m pytest(.*)$", line)
            if match:
                return shlex.split(match.group(1))
        elif in_test and line.strip():
            break
    return []


def run_pytest(args: Sequence[str], cwd: Path, timeout: float = 3600) -> tuple[float, int, str]:
    """Run ``python -m pytest ARGS`` in ``cwd``: wall seconds, exit code, combined output."""
    with environment(remove=("NBGRADER_EXECUTION", "PHASELAB_FULL", "PYTEST_ADDOPTS")):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd,
                                capture_output=True, text=True, timeout=timeout)
        seconds = time.perf_counter() - start
    return seconds, result.returncode, result.stdout + result.stderr


def pytest_figure(name: str, args: Sequence[str], cwd: Path, repeats: int,
                  settings: Settings) -> Figure:
    """Time ``repeats`` runs of pytest; the note gives the outcome of the last one."""
    samples, code, output = [], 0, ""
    for k in range(repeats):
        settings.log(f"{name}: run {k + 1}/{repeats}")
        seconds, code, output = run_pytest(args, cwd)
        samples.append(seconds)
    details = {"args": list(args), "exit_code": code, "outcome": outcome_counts(output)}
    return Figure(GROUP, name, "s", samples=samples, compared_with="–",
                  note=describe_run(details), details=details)


def describe_run(details: Mapping[str, Any]) -> str:
    """The command and outcome of a timed pytest run, from a figure's details."""
    counts = details.get("outcome") or {}
    outcome = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no summary line"
    note = f"`python -m pytest {' '.join(details.get('args', []))}`; last run: {outcome}"
    if details.get("exit_code"):
        note += f" (exit code {details['exit_code']}: the time covers a run with failures)"
    return note + "."


def run(settings: Settings, previous: Mapping[str, Any] | None = None,
        cwd: Path | None = None) -> list[Figure]:
    """The fast subset always; the whole suite with ``--full``, else its last recorded time."""
    from benchmarks.core import REPO_ROOT

    cwd = cwd or REPO_ROOT
    figures = [pytest_figure(FAST_NAME, FAST_ARGS, cwd, settings.count(1), settings)]
    if settings.full:
        args = [*make_test_args(cwd / "Makefile"), "-q"]
        figures.append(pytest_figure(FULL_NAME, args, cwd, settings.count(1), settings))
        return figures
    recorded = [entry for entry in (previous or {}).get("figures", [])
                if entry["group"] == GROUP and entry["name"] == FULL_NAME and entry["samples"]]
    if recorded:
        figure = Figure.from_json(recorded[0])
        figure.note = (f"Recorded by a `--full` run on {figure.measured[:10]}, not measured "
                       f"this time; {describe_run(figure.details)}")
        figures.append(figure)
    else:
        figures.append(not_measured(GROUP, FULL_NAME, "s",
                                    "Runs only with `python -m benchmarks.run --full`, which "
                                    "executes every notebook and grading round trip."))
    return figures
