"""Grades out of the gradebook: one CSV row per student and assignment, one per exercise.

Scores follow nbgrader's own export: a submission's score is its raw score (autograded and
hand-marked cells, extra credit included) less the late penalty, and never below zero; a student
without a submission scores zero. Both tables list every student in the gradebook for every
released assignment, sorted, so two exports of the same grades are identical files.

``status`` says how far a submission got: ``missing`` (nothing submitted), ``not_graded``
(submitted but not autograded: not yet, or the grading report says why), ``needs_manual_grade``
(autograded; written answers wait for a grader) or ``graded``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograde.course import CourseSettings
from autograde.gradebook import SubmissionState, open_gradebook, submission_state

ASSIGNMENT_COLUMNS = (
    "assignment", "student_id", "last_name", "first_name", "email", "status", "timestamp",
    "seconds_late", "code_score", "written_score", "raw_score", "late_penalty", "score",
    "max_score",
)
EXERCISE_COLUMNS = ("assignment", "student_id", "notebook", "grade_id", "kind", "score",
                    "max_score")


def number(value: float | None) -> str:
    """A score as text: up to four decimals, no trailing zeros; empty for ``None``."""
    if value is None:
        return ""
    return f"{round(float(value), 4):g}"


def _assignments(gradebook: Gradebook, wanted: Iterable[str] | None) -> list:
    """The gradebook's assignments, sorted by name (only ``wanted`` ones if given)."""
    chosen = set(wanted) if wanted else None
    found = sorted(gradebook.assignments, key=lambda a: a.name)
    if chosen is not None:
        unknown = chosen - {a.name for a in found}
        if unknown:
            raise ValueError(f"not in the gradebook: {', '.join(sorted(unknown))}")
        found = [a for a in found if a.name in chosen]
    return found


def _status(settings: CourseSettings, student: str, assignment: str,
            state: SubmissionState | None, notebooks: list[str]) -> str:
    """Where a submission stands (see the module docstring)."""
    if state is None:
        return "not_graded" if settings.submission(student, assignment).is_dir() else "missing"
    files_there = all(settings.graded_notebook(student, assignment, n).is_file()
                      for n in notebooks)
    if not state.graded or not files_there:
        return "not_graded"
    return "needs_manual_grade" if state.needs_manual_grade else "graded"


def assignment_rows(settings: CourseSettings,
                    assignments: Iterable[str] | None = None) -> list[dict[str, str]]:
    """One row per student and released assignment (columns :data:`ASSIGNMENT_COLUMNS`)."""
    rows = []
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        students = sorted(gradebook.students, key=lambda s: s.id)
        for assignment in _assignments(gradebook, assignments):
            notebooks = sorted(n.name for n in assignment.notebooks)
            max_score = float(assignment.max_score or 0.0)
            for student in students:
                state = submission_state(gradebook, assignment.name, student.id)
                row = {
                    "assignment": assignment.name, "student_id": student.id,
                    "last_name": student.last_name or "", "first_name": student.first_name or "",
                    "email": student.email or "",
                    "status": _status(settings, student.id, assignment.name, state, notebooks),
                    "max_score": number(max_score),
                }
                if state is None:
                    row.update(timestamp="", seconds_late="0", code_score="0",
                               written_score="0", raw_score="0", late_penalty="0", score="0")
                else:
                    row.update(
                        timestamp=(f"{state.timestamp:%Y-%m-%d %H:%M:%S}"
                                   if state.timestamp else ""),
                        seconds_late=number(state.seconds_late),
                        code_score=number(state.code_score),
                        written_score=number(state.written_score),
                        raw_score=number(state.raw_score),
                        late_penalty=number(state.late_penalty),
                        score=number(state.score),
                    )
                rows.append(row)
    return rows


def exercise_rows(settings: CourseSettings,
                  assignments: Iterable[str] | None = None) -> list[dict[str, str]]:
    """One row per student and graded cell (columns :data:`EXERCISE_COLUMNS`).

    ``score`` is empty where there is none yet: no submission, grading failed, or a written
    answer waiting for a grader.
    """
    rows = []
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        students = sorted(gradebook.students, key=lambda s: s.id)
        for assignment in _assignments(gradebook, assignments):
            for notebook in sorted(assignment.notebooks, key=lambda n: n.name):
                cells = sorted(notebook.grade_cells, key=lambda c: c.name)
                for student in students:
                    try:
                        submitted = gradebook.find_submission_notebook(
                            notebook.name, assignment.name, student.id)
                        grades = {g.name: g for g in submitted.grades}
                    except MissingEntry:
                        grades = {}
                    for cell in cells:
                        grade = grades.get(cell.name)
                        has_score = grade is not None and (grade.manual_score is not None
                                                           or grade.auto_score is not None)
                        rows.append({
                            "assignment": assignment.name, "student_id": student.id,
                            "notebook": notebook.name, "grade_id": cell.name,
                            "kind": "manual" if cell.cell_type == "markdown" else "autograded",
                            "score": number(grade.score) if has_score else "",
                            "max_score": number(cell.max_score),
                        })
    return rows


def write_csv(rows: list[dict[str, str]], columns: Iterable[str],
              path: str | os.PathLike[str]) -> Path:
    """Write rows with the given columns to a CSV file (folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def export_grades(settings: CourseSettings, folder: str | os.PathLike[str] | None = None,
                  assignments: Iterable[str] | None = None) -> tuple[Path, Path]:
    """Write ``grades.csv`` (per assignment) and ``grades-by-exercise.csv`` into ``folder``
    (default ``autograde/``, where git ignores them); return both paths."""
    folder = Path(folder) if folder else settings.root / "autograde"
    assignments = list(assignments) if assignments else None
    return (
        write_csv(assignment_rows(settings, assignments), ASSIGNMENT_COLUMNS,
                  folder / "grades.csv"),
        write_csv(exercise_rows(settings, assignments), EXERCISE_COLUMNS,
                  folder / "grades-by-exercise.csv"),
    )
