"""Every lesson in a real browser: run, drive its widgets, validate the student version.

For each assignment in ``solutions/`` (see ``tests/conftest.py``), in JupyterLab under headless
Chromium:

1. the solution notebook runs top to bottom (*Run > Run All Cells*) without an error;
2. every demo the notebook promises (a cell that displays a widget, see ``promises.py``) is
   rendered, with controls;
3. every control, changed from the keyboard or the mouse, changes what its widget shows;
   screenshots before and after go to ``test-artifacts/browser/<lesson>/``;
4. nbgrader's *Validate* button on the untouched student version reports every test cell and
   written answer as failing, and on the student version filled with the reference answers
   (model answers for the written ones) reports success.

Only copies of the notebooks are opened (under ``test-artifacts/browser/work/``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest

from autograde import notebooks
from tests.browser import controls
from tests.browser.lesson import Lesson
from tests.browser.notebook import NotebookPage, RunResult, Validation
from tests.browser.promises import PromisedDemo, promised_demos

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Seconds for a promised widget to appear once Run All has finished.
RENDER_TIMEOUT_S = 60.0


@dataclass
class SolutionRun:
    """The solution notebook of a lesson after Run All."""

    notebook: NotebookPage
    result: RunResult
    demos: list[PromisedDemo]

    def caveat(self) -> str:
        """A note for widget failures when the run itself went wrong."""
        return "" if self.result.clean else (
            "\n(Run All itself reported problems: see test_solution_runs_without_errors)")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "control"


@pytest.fixture(scope="module")
def solution(lesson: Lesson) -> SolutionRun:
    """Open a copy of the lesson's solution notebook and run all its cells."""
    source = notebooks.read(lesson.source("solutions"))
    notebook = lesson.open(lesson.place(source, "solution"))
    result = notebook.run_all()
    lesson.timings["run all"] = result.seconds
    if not result.clean:
        notebook.page.screenshot(path=str(lesson.artifacts / "run-all-problem.png"))
    return SolutionRun(notebook, result, promised_demos(source))


def test_solution_runs_without_errors(lesson: Lesson, solution: SolutionRun) -> None:
    assert solution.result.clean, (
        f"{lesson.name}: Run All on the solution notebook in JupyterLab:\n"
        f"{solution.result.describe()}")


def test_every_promised_widget_renders(lesson: Lesson, solution: SolutionRun) -> None:
    if not solution.demos:
        pytest.skip(f"{lesson.name} displays no widget")
    problems = []
    for demo in solution.demos:
        cell = solution.notebook.cell(demo.cell_index)
        where = f"cell {demo.cell_index} (display of {demo.expression})"
        deadline = time.monotonic() + RENDER_TIMEOUT_S
        while True:
            shown = controls.views(cell)
            rendered = [v for v in shown if v["rendered"]]
            found = sum(len(controls.controls(controls.view_locator(cell, v["index"])))
                        for v in rendered)
            if found or time.monotonic() > deadline:
                break
            solution.notebook.page.wait_for_timeout(500)
        broken = [v["text"] for v in shown if not v["rendered"]]
        if broken:
            problems.append(f"{where}: widget not displayed: {broken}")
        elif not rendered:
            problems.append(f"{where}: no widget in the cell's output")
        elif not found:
            problems.append(f"{where}: the widget has no control")
    assert not problems, (f"{lesson.name}: promised widgets missing:\n" + "\n".join(problems)
                          + solution.caveat())


def test_every_control_changes_its_output(lesson: Lesson, solution: SolutionRun) -> None:
    notebook = solution.notebook
    state = notebook.state() or {"cells": []}
    code_cells = [c["index"] for c in state["cells"] if c["type"] == "code"]
    report: list[str] = []
    failures: list[str] = []
    driven = 0
    start = time.monotonic()
    for index in code_cells:
        cell = notebook.cell(index)
        for view in controls.views(cell):
            if not view["rendered"]:
                continue
            box = controls.view_locator(cell, view["index"])
            found = controls.controls(box)
            if not found:
                continue  # a display-only widget, e.g. a progress bar
            stem = lesson.artifacts / f"cell{index:02d}-widget{view['index']}"
            box.screenshot(path=f"{stem}-before.png")
            for control in found:
                outcome = controls.change_and_watch(box, control, notebook.kernel_idle)
                driven += 1
                verdict = "changed the output" if outcome.changed else "FAILED"
                line = (f"cell {index}, {outcome.control}: {verdict} "
                        f"({outcome.detail}; {outcome.seconds:.1f} s)")
                report.append(line)
                if not outcome.changed:
                    failures.append(line)
                    box.screenshot(path=f"{stem}-{_slug(control.label)}-unchanged.png")
            box.screenshot(path=f"{stem}-after.png")
    lesson.timings["widgets"] = time.monotonic() - start
    lesson.timings["controls"] = f"[{driven - len(failures)}/{driven} controls changed output]"
    (lesson.artifacts / "widgets.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    if solution.demos:
        assert driven, f"{lesson.name}: the lesson promises a demo but no control was found"
    assert not failures, (f"{lesson.name}: controls whose change did not change the output "
                          f"(screenshots in {lesson.artifacts}):\n" + "\n".join(failures)
                          + solution.caveat())


def _validate(lesson: Lesson, notebook: Any, variant: str) -> Validation:
    """Open ``notebook`` as ``variant``, press Validate, return the result dialog."""
    page = lesson.open(lesson.place(notebook, variant), wait_for_kernel=False)
    result = page.validate(lesson.artifacts / f"validate-{variant}.png")
    lesson.timings[f"validate {variant}"] = result.seconds
    return result


def test_validate_reports_failures_of_untouched_student_version(lesson: Lesson) -> None:
    student = notebooks.read(lesson.source("lessons"))
    tests = sum(1 for cell in student.cells if notebooks.is_test(cell))
    written = sum(1 for cell in student.cells if notebooks.is_written(cell))
    result = _validate(lesson, student, "untouched")
    if tests + written == 0:
        assert result.outcome == "success", f"{lesson.name}: {result.text}"
        return
    assert result.outcome == "failed", (
        f"{lesson.name}: Validate on the untouched student version should report failing "
        f"cells, but showed '{result.outcome}':\n{result.text[:2000]}")
    assert result.failed_cells == tests + written, (
        f"{lesson.name}: Validate reported {result.failed_cells} failing cells; the untouched "
        f"student version has {tests} test cells and {written} written answers, which should "
        f"all fail")
    assert tests == 0 or "NotImplementedError" in result.text, (
        f"{lesson.name}: the failures do not show the stubs' NotImplementedError:\n"
        f"{result.text[:2000]}")


def test_validate_passes_student_version_with_reference_answers(lesson: Lesson) -> None:
    solution = notebooks.read(lesson.source("solutions"))
    answers = {grade_id: notebooks.solution_source(cell)  # code and written answers
               for grade_id, cell in notebooks.graded_cells(solution) if notebooks.is_answer(cell)}
    filled = notebooks.fill_answers(notebooks.read(lesson.source("lessons")), answers)
    result = _validate(lesson, filled, "reference")
    assert result.outcome == "success", (
        f"{lesson.name}: Validate on the student version filled with the reference answers "
        f"showed '{result.outcome}':\n{result.text[:2000]}")
