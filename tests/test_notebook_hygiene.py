"""Every committed notebook is clean, valid for nbgrader, and follows the course conventions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbgrader.nbgraderformat import MetadataValidator

from autograde import notebooks
from autograde.course import REPO_ROOT, notebook_name

COMMITTED = sorted([*REPO_ROOT.glob("solutions/*/*.ipynb"), *REPO_ROOT.glob("lessons/*/*.ipynb")])


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    dirty = [i for i, cell in enumerate(notebooks.read(path).cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"cells {dirty} carry outputs or execution counts: run `make lessons`"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_nbgrader_metadata_validates(path: Path) -> None:
    MetadataValidator().validate_nb(notebooks.read(path))


def _solution(assignment: str):
    return notebooks.read(REPO_ROOT / "solutions" / assignment / notebook_name(assignment))


def test_lesson_structure(assignment: str) -> None:
    notebook = _solution(assignment)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    for heading in ("Learning goals", "Summary", "References"):
        assert re.search(rf"^#+ .*{heading}", text, flags=re.M | re.I), f"no '{heading}' section"
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    meta = notebooks.nbgrader_meta(first_code)
    assert meta.get("locked") and meta.get("grade_id") == "setup", "first code cell: locked setup"
    assert "phaselab.checks" in first_code.source, "the setup cell must import phaselab.checks"
    assert notebook.metadata.kernelspec.name == "python3"


def test_exercises_follow_the_grading_conventions(assignment: str) -> None:
    notebook = _solution(assignment)
    graded = dict(notebooks.graded_cells(notebook))
    answers = [g for g, c in graded.items() if notebooks.is_answer(c) and c.cell_type == "code"]
    tests = {g: c for g, c in graded.items() if notebooks.is_test(c)}
    written = [g for g, c in graded.items() if notebooks.is_written(c)]
    assert len(answers) >= 3, "at least three autograded exercises"
    assert written, "at least one written answer graded by hand"
    for grade_id in answers:
        assert f"{grade_id}_tests" in tests, f"answer {grade_id} has no test cell {grade_id}_tests"
        assert "### BEGIN SOLUTION" in graded[grade_id].source
    for grade_id, cell in tests.items():
        source = cell.source
        assert "from phaselab.checks import" in source, f"{grade_id} must import its checks"
        assert not re.search(r"^\s*assert\b", source, flags=re.M), f"{grade_id} uses bare assert"
        assert "allclose" not in source and "isclose" not in source, f"{grade_id}: use checks"
        hidden = notebooks.hidden_tests(notebook)[grade_id]
        assert hidden.strip(), f"{grade_id} has no hidden tests"
        assert "hidden=True" in hidden, f"{grade_id}: hidden checks must pass hidden=True"
    for grade_id, rubric in notebooks.rubrics(notebook).items():
        assert "Rubric" in rubric, f"written answer {grade_id} has no rubric"
