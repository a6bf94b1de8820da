"""Writing the results: ``results.json`` for machines, ``RESULTS.md`` for people.

``results.json`` holds the machine, the settings of the run and one entry per figure
(:data:`FIGURE_KEYS`). ``RESULTS.md`` shows the same figures as one table per group, followed
by every goal that is missed and why.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.core import (
    MEETS,
    MISSES,
    NO_GOAL,
    NOT_MEASURED,
    VERDICTS,
    Figure,
    format_number,
    now_iso,
)

#: Version of the layout of ``results.json``; raise it when the layout changes.
SCHEMA_VERSION = 1

#: Keys of every figure in ``results.json``.
FIGURE_KEYS: tuple[str, ...] = (
    "group", "name", "median", "min", "max", "p95", "unit", "n", "samples",
    "compared_with", "goal", "verdict", "note", "show_p95", "details", "measured",
)

#: Keys at the top of ``results.json``.
TOP_KEYS: tuple[str, ...] = ("schema", "date", "machine", "settings", "groups", "figures")

#: Environment variables that set thread counts (inherited by kernels and subprocesses).
THREAD_VARIABLES: tuple[str, ...] = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")

#: Load average per core above which the report warns that the machine was busy.
BUSY_LOAD_PER_CORE = 0.5

# ---------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """Cores, CPU, load, and the versions of what the figures depend on."""
    from threadpoolctl import threadpool_info

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    blas = [
        {key: info.get(key) for key in ("internal_api", "version", "num_threads", "architecture")}
        for info in threadpool_info() if info.get("user_api") == "blas"
    ]
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _package_version("numpy"),
        "nbgrader": _package_version("nbgrader"),
        "torch": _package_version("torch"),
        "blas": blas,
        "thread_variables": {name: os.environ[name] for name in THREAD_VARIABLES
                             if name in os.environ},
        "load_average": load,
    }


# ---------------------------------------------------------------------------------------------
# results.json
# ---------------------------------------------------------------------------------------------


def results_document(
    figures: Sequence[Figure],
    *,
    machine: Mapping[str, Any],
    settings: Mapping[str, Any],
    groups: Mapping[str, Mapping[str, str]],
    date: str | None = None,
) -> dict[str, Any]:
    """Assemble the content of ``results.json``.

    Parameters
    ----------
    figures
        Every figure, in report order.
    machine
        :func:`machine_info` of the run.
    settings
        How the run was made (quick, full, groups measured, command line).
    groups
        Title and description of each group, by name, in report order.
    """
    return {
        "schema": SCHEMA_VERSION,
        "date": date or now_iso(),
        "machine": dict(machine),
        "settings": dict(settings),
        "groups": {name: dict(info) for name, info in groups.items()},
        "figures": [figure.to_json() for figure in figures],
    }


def validate(document: Mapping[str, Any]) -> list[str]:
    """Problems with a ``results.json`` document (an empty list if it is well formed)."""
    problems = [f"missing top-level key {key!r}" for key in TOP_KEYS if key not in document]
    if problems:
        return problems
    if document["schema"] != SCHEMA_VERSION:
        problems.append(f"schema {document['schema']!r}, expected {SCHEMA_VERSION}")
    names = set()
    for k, entry in enumerate(document["figures"]):
        label = f"figure {k} ({entry.get('name', '?')})"
        missing = [key for key in FIGURE_KEYS if key not in entry]
        if missing:
            problems.append(f"{label}: missing {missing}")
            continue
        if (entry["group"], entry["name"]) in names:
            problems.append(f"{label}: duplicate name in group {entry['group']!r}")
        names.add((entry["group"], entry["name"]))
        if entry["group"] not in document["groups"]:
            problems.append(f"{label}: unknown group {entry['group']!r}")
        if entry["verdict"] not in VERDICTS:
            problems.append(f"{label}: unknown verdict {entry['verdict']!r}")
        if entry["n"] != len(entry["samples"]):
            problems.append(f"{label}: n = {entry['n']} but {len(entry['samples'])} samples")
        if entry["samples"]:
            if not entry["min"] <= entry["median"] <= entry["max"]:
                problems.append(f"{label}: median outside [min, max]")
        elif entry["median"] is not None:
            problems.append(f"{label}: a median without samples")
        if entry["verdict"] in (MEETS, MISSES) and entry["goal"] is None and entry["samples"]:
            problems.append(f"{label}: verdict {entry['verdict']!r} without a goal")
    return problems


def write_json(document: Mapping[str, Any], path: Path) -> None:
    """Write ``results.json`` (indented, UTF-8, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict[str, Any] | None:
    """A previous ``results.json``, or ``None`` if there is none or it cannot be used."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and not validate(document) else None


def carried_over(previous: Mapping[str, Any] | None, measured_groups: Iterable[str],
                 known_groups: Iterable[str]) -> list[Figure]:
    """Figures of a previous run for the groups not measured this time (``--only``).

    Only groups that still exist are kept; each figure keeps its own measurement date.
    """
    if not previous:
        return []
    skip = set(measured_groups)
    known = set(known_groups)
    return [Figure.from_json(entry) for entry in previous.get("figures", [])
            if entry["group"] not in skip and entry["group"] in known]


# ---------------------------------------------------------------------------------------------
# RESULTS.md
# ---------------------------------------------------------------------------------------------

#: How to reproduce the figures, closing the report.
RUNNING: tuple[str, ...] = (
    "- `make bench` (or `python -m benchmarks.run`): every group with its default repeats, "
    "about 10 to 15 minutes on 2 quiet cores; run it on an otherwise idle machine.",
    "- `python -m benchmarks.run --quick`: one or few repeats of a subset (the first lesson, "
    "the FAST preset, short classes) and no test-suite run, to check that everything works.",
    "- `python -m benchmarks.run --only GROUP` (repeatable; groups `notebooks`, `grokking`, "
    "`widgets`, `grading`, `tests`): measure some groups again and keep the others' figures "
    "from `results.json`, each with its own date.",
    "- `python -m benchmarks.run --full`: also the whole test suite (`make test`'s command) "
    "and a complete FULL grokking run; `--repeats N` sets every group's repeats.",
    "- The PyTorch comparison runs only where PyTorch is installed "
    "(`pip install torch`); it is never a dependency of the course.",
)

_VERDICT_TEXT = {MEETS: "meets", MISSES: "**misses**", NO_GOAL: "–", NOT_MEASURED: "not measured"}


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).replace("|", "\\|").split())


def _value(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{format_number(value)} {unit}".rstrip()


def figure_row(entry: Mapping[str, Any], *, with_p95: bool) -> str:
    """One table row: figure, median, min, max, (p95,) n, compared with, verdict."""
    unit = entry["unit"]
    cells = [entry["name"], _value(entry["median"], unit), _value(entry["min"], unit),
             _value(entry["max"], unit)]
    if with_p95:
        cells.append(_value(entry["p95"], unit) if entry["show_p95"] else "–")
    cells += [str(entry["n"]), entry["compared_with"] or "–", _VERDICT_TEXT[entry["verdict"]]]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _machine_lines(document: Mapping[str, Any]) -> list[str]:
    machine = document["machine"]
    blas = ", ".join(f"{b.get('internal_api')} {b.get('version')}" for b in machine.get("blas", []))
    torch = machine.get("torch")
    lines = [
        f"- **Date:** {document['date'].replace('T', ' ')}",
        f"- **Cores:** {machine.get('cores')} ({machine.get('usable_cores')} usable by this "
        f"process), {machine.get('cpu')}",
        f"- **Software:** Python {machine.get('python')}, NumPy {machine.get('numpy')}"
        f" ({blas or 'BLAS unknown'}), nbgrader {machine.get('nbgrader')}, "
        + (f"PyTorch {torch} (CPU)" if torch else "PyTorch not installed"),
    ]
    variables = machine.get("thread_variables")
    lines.append("- **Thread settings:** " + (
        ", ".join(f"`{k}={v}`" for k, v in variables.items()) + " (inherited by every kernel "
        "and subprocess; the step figures set their own)" if variables else
        "library defaults (no thread variable set); the step figures set their own"))
    load = machine.get("load_average")
    if load:
        lines.append(f"- **Load average at the start:** {', '.join(map(str, load))} "
                     "(1, 5 and 15 minutes)")
    return lines


def busy_warning(document: Mapping[str, Any]) -> str | None:
    """A sentence warning that the machine was busy, or ``None``."""
    machine = document["machine"]
    load, cores = machine.get("load_average"), machine.get("usable_cores") or machine.get("cores")
    if load and cores and load[0] > BUSY_LOAD_PER_CORE * cores:
        return (f"The machine was busy when this run started (load {load[0]} on {cores} "
                "cores): other jobs shared the CPU, so times are longer and noisier than on an "
                "idle machine.")
    return None


def render_markdown(document: Mapping[str, Any]) -> str:
    """The readable report: the machine, one table per group, then the goals missed and why."""
    figures = document["figures"]
    settings = document["settings"]
    counts = {v: sum(1 for f in figures if f["verdict"] == v) for v in VERDICTS}
    out = ["# Benchmark results", ""]
    out.append(
        "How fast the course runs and grades. `make bench` (`python -m benchmarks.run`) "
        "measures every figure several times and writes this file and `results.json`. "
        "Each figure is the **median** of `n` runs, shown with the fastest (min) and slowest "
        "(max) run; the median is what meets or misses the goal. Ratios are computed run by "
        "run from two measurements taken back to back in the same run, never across runs."
    )
    out.append("")
    out += _machine_lines(document)
    mode = "quick (`--quick`: few repeats, subset)" if settings.get("quick") else "normal"
    if settings.get("full"):
        mode += ", with `--full`"
    command = settings.get("command", "python -m benchmarks.run")
    out.append(f"- **Run:** {mode}; command `{command}`")
    warning = busy_warning(document)
    if warning:
        out += ["", f"> {warning}"]
    if settings.get("quick"):
        out += ["", "> This was a quick run: one or few repeats of a subset. Use it to check "
                    "that the benchmarks work, not to judge the course."]
    out += ["", f"**{counts[MEETS]}** figures meet their goal, **{counts[MISSES]}** miss it, "
                f"{counts[NO_GOAL]} have no goal of their own (they are compared with another "
                f"figure), {counts[NOT_MEASURED]} were not measured."]

    for name, group in document["groups"].items():
        rows = [f for f in figures if f["group"] == name]
        if not rows:
            continue
        with_p95 = any(f["show_p95"] for f in rows)
        out += ["", f"## {group['title']}", "", group["description"], ""]
        dates = sorted({f["measured"][:10] for f in rows if f["measured"]})
        if dates and dates != [document["date"][:10]]:
            out += [f"_Measured on {', '.join(dates)} (carried over from an earlier run)._", ""]
        header = ["Figure", "Median", "Min", "Max"] + (["p95"] if with_p95 else []) + [
            "n", "Compared with", "Verdict"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 3) + ["---", "---"]) + "|")
        out += [figure_row(f, with_p95=with_p95) for f in rows]
        notes = [f for f in rows if f["note"]]
        if notes:
            out += ["", "Notes:", ""]
            out += [f"- **{f['name']}:** {' '.join(f['note'].split())}" for f in notes]

    missed = [f for f in figures if f["verdict"] == MISSES]
    out += ["", "## Goals missed, and why", ""]
    if not missed:
        out.append("None: every measured figure with a goal meets it.")
    for f in missed:
        median = _value(f["median"], f["unit"])
        goal = f["goal"]["text"] if f["goal"] else f["compared_with"]
        out.append(f"- **{f['name']}** ({document['groups'][f['group']]['title']}): median "
                   f"{median} against the goal {goal}. {' '.join(f['note'].split())}")
    unmeasured = [f for f in figures if f["verdict"] == NOT_MEASURED]
    if unmeasured:
        out += ["", "## Not measured", ""]
        out += [f"- **{f['name']}:** {' '.join(f['note'].split())}" for f in unmeasured]
    out += ["", "## Running the benchmarks", "", *RUNNING]
    return "\n".join(out) + "\n"


def write_markdown(document: Mapping[str, Any], path: Path) -> None:
    """Write ``RESULTS.md``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(document), encoding="utf-8")
