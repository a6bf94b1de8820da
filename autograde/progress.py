"""A learner's own progress: which exercises of each lesson pass their visible tests.

``course-grade progress`` runs every lesson notebook in ``lessons/`` the way nbgrader's
*Validate* button does (a fresh kernel, demonstrations skipped) and prints one line per
exercise. Only the visible tests are run; graded submissions also face hidden tests, and
written answers are marked by hand, so a lesson that passes here can still lose points.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograde import notebooks
from autograde.course import REPO_ROOT

PASSES, FAILS, NOT_STARTED, WRITTEN, ANSWERED = (
    "passes", "fails", "not started", "written, not answered", "written, answered")

_CODE_STUB = ("YOUR CODE HERE", "raise NotImplementedError()")
_TEXT_STUB = "YOUR ANSWER HERE"


@dataclass(frozen=True)
class ExerciseProgress:
    """Where one exercise of one lesson stands."""

    lesson: str
    exercise: str  # the test cell's grade id (the written answer's for written exercises)
    points: float
    status: str
    message: str = ""  # the last line of a failing test's error


def _is_stub(cell: Any) -> bool:
    """True if an answer cell still holds the stub of the student version."""
    if cell.cell_type == "markdown":
        return cell.source.strip() in ("", _TEXT_STUB)
    return all(marker in cell.source for marker in _CODE_STUB)


def _exercises(notebook: Any) -> list[tuple[str, Any, Any]]:
    """``(grade_id, test or written cell, answer cell)`` for every graded exercise, in order."""
    found, answer = [], None
    for grade_id, cell in notebooks.graded_cells(notebook):
        if notebooks.is_written(cell):
            found.append((grade_id, cell, cell))
        elif notebooks.is_answer(cell):
            answer = cell
        elif notebooks.is_test(cell):
            found.append((grade_id, cell, answer))
    return found


def _validator(course_root: Path) -> Any:
    """nbgrader's validator with the course's kernel settings."""
    from nbgrader.validator import Validator
    from traitlets.config import Config

    from autograde.config import configure

    config = Config()
    configure(config, root=course_root)
    config.Validator.ignore_checksums = True
    return Validator(config=config)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Failure|Exception)\b")


def _last_line(error: str) -> str:
    """The failing check's message: its exception line and what follows (a hint), one line."""
    lines = [line.strip() for line in _ANSI.sub("", error).splitlines() if line.strip()]
    starts = [k for k, line in enumerate(lines) if _EXCEPTION.match(line)]
    tail = lines[starts[-1]:] if starts else lines[-1:]
    text = " ".join(tail)
    return text if len(text) <= 240 else text[:237] + "..."


def lesson_progress(path: str | os.PathLike[str],
                    course_root: Path = REPO_ROOT) -> list[ExerciseProgress]:
    """Run one lesson notebook's visible tests and say where each exercise stands."""
    path = Path(path)
    lesson = path.stem
    notebook = notebooks.read(path)
    exercises = _exercises(notebook)
    started = any(not _is_stub(answer) for _, cell, answer in exercises
                  if answer is not None and not notebooks.is_written(cell))
    failed: dict[str, str] = {}
    if started:
        results = _validator(course_root).validate(str(path))
        if "type_changed" in results:
            return [ExerciseProgress(lesson, grade_id, 0.0, FAILS,
                                     "a cell's type was changed: restore it from lessons/")
                    for grade_id, _, _ in exercises]
        failed = {item["source"]: item.get("raw_error", "") for item in results.get("failed", [])}
    rows = []
    for grade_id, cell, answer in exercises:
        points = float(notebooks.nbgrader_meta(cell).get("points", 0) or 0)
        if notebooks.is_written(cell):
            rows.append(ExerciseProgress(lesson, grade_id, points,
                                         WRITTEN if _is_stub(cell) else ANSWERED,
                                         "marked by hand"))
        elif answer is not None and _is_stub(answer):
            rows.append(ExerciseProgress(lesson, grade_id, points, NOT_STARTED))
        elif cell.source.strip() in failed:
            rows.append(ExerciseProgress(lesson, grade_id, points, FAILS,
                                         _last_line(failed[cell.source.strip()])))
        else:
            rows.append(ExerciseProgress(lesson, grade_id, points, PASSES))
    return rows


def student_progress(lessons_dir: str | os.PathLike[str] | None = None,
                     lessons: Iterable[str] | None = None,
                     course_root: Path = REPO_ROOT) -> list[ExerciseProgress]:
    """Progress in every lesson (or the ones named) of a learner's ``lessons/`` folder."""
    folder = Path(lessons_dir) if lessons_dir else course_root / "lessons"
    wanted = set(lessons) if lessons else None
    rows = []
    for path in sorted(folder.glob("*/*.ipynb")):
        if path.stem != path.parent.name or (wanted and path.stem not in wanted):
            continue
        rows.extend(lesson_progress(path, course_root))
    return rows


def progress_table(rows: list[ExerciseProgress]) -> str:
    """The progress as a table, with one summary line per lesson."""
    if not rows:
        return "No lessons found."
    out = []
    lessons = sorted({row.lesson for row in rows})
    width = max(len(row.exercise) for row in rows)
    for lesson in lessons:
        mine = [row for row in rows if row.lesson == lesson]
        coded = [row for row in mine if row.status in (PASSES, FAILS, NOT_STARTED)]
        passing = [row for row in coded if row.status == PASSES]
        points = sum(row.points for row in passing)
        total = sum(row.points for row in coded)
        out.append(f"{lesson}: {len(passing)}/{len(coded)} exercises pass their visible tests "
                   f"({points:g}/{total:g} points)")
        for row in mine:
            note = f"  {row.message}" if row.message else ""
            out.append(f"  {row.exercise.ljust(width)}  {row.points:>4g} pt  {row.status}{note}")
    out.append("Visible tests only: graded work also runs hidden tests, and written answers "
               "are marked by hand.")
    return "\n".join(out)
