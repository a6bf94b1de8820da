"""Reading nbgrader notebooks: their cells by grade id, solutions, hidden tests and rubrics."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


def read(path: str | os.PathLike[str]) -> Any:
    """Read a notebook as nbformat version 4."""
    return nbformat.read(str(path), as_version=4)


def write(notebook: Any, path: str | os.PathLike[str]) -> None:
    """Write a notebook, creating its folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def nbgrader_meta(cell: Any) -> Mapping[str, Any]:
    """The cell's nbgrader metadata, or an empty mapping."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_cells(notebook: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(grade_id, cell)`` for every cell that carries an nbgrader grade id."""
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id:
            yield grade_id, cell


def is_answer(cell: Any) -> bool:
    """True for cells students write in (autograded or manually graded answers)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_test(cell: Any) -> bool:
    """True for autograder test cells (code cells that carry points)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_written(cell: Any) -> bool:
    """True for manually graded written answers (markdown answer cells with points)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution")) and cell.cell_type == "markdown"


def _region(source: str, begin: str, end: str, *, inside: bool) -> str:
    """Return the lines inside (or outside) every ``begin``/``end`` region, markers dropped."""
    kept: list[str] = []
    within = False
    for line in source.splitlines():
        if begin in line:
            within = True
            continue
        if end in line:
            within = False
            continue
        if within == inside:
            kept.append(line)
    return "\n".join(kept)


def solution_source(cell: Any) -> str:
    """An answer cell's source as a student who wrote the reference would have it."""
    return "\n".join(line for line in cell.source.splitlines()
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line)


def reference_answers(solution_notebook: Any) -> dict[str, str]:
    """Map every autograded answer cell's grade id to its reference source."""
    return {
        grade_id: solution_source(cell)
        for grade_id, cell in graded_cells(solution_notebook)
        if is_answer(cell) and cell.cell_type == "code"
    }


def hidden_tests(solution_notebook: Any) -> dict[str, str]:
    """Map every test cell's grade id to the source of its hidden tests (may be empty)."""
    return {
        grade_id: _region(cell.source, BEGIN_HIDDEN, END_HIDDEN, inside=True)
        for grade_id, cell in graded_cells(solution_notebook)
        if is_test(cell)
    }


def rubrics(solution_notebook: Any) -> dict[str, str]:
    """Map every written answer's grade id to its model answer and rubric."""
    return {
        grade_id: _region(cell.source, BEGIN_SOLUTION, END_SOLUTION, inside=True).strip()
        for grade_id, cell in graded_cells(solution_notebook)
        if is_written(cell)
    }


def fill_answers(release_notebook: Any, sources: Mapping[str, str]) -> Any:
    """Return a copy of a student notebook with the given answer cells written in.

    Parameters
    ----------
    release_notebook
        The student version, as released.
    sources
        New source for answer cells, by grade id; other cells are left as released.
    """
    notebook = copy.deepcopy(release_notebook)
    for grade_id, cell in graded_cells(notebook):
        if grade_id in sources and is_answer(cell):
            cell.source = sources[grade_id]
    return notebook
