"""Grading again: one student, or one exercise after its test was corrected.

nbgrader always runs a whole notebook, so "re-grading an exercise" means: record the corrected
test cell from ``solutions/`` in the gradebook (``nbgrader generate_assignment``), autograde the
class again, and report which scores of that exercise changed. Scores of other exercises should
not move; if any did, they are listed so the instructor can see why. Hand-marked scores are
kept by nbgrader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from autograde import notebooks
from autograde.course import CourseSettings
from autograde.export import exercise_rows
from autograde.grading import GradingReport
from autograde.release import release_assignment
from autograde.safety import grade_safely


@dataclass
class RegradeReport:
    """A re-grading run and the scores it changed."""

    grading: GradingReport
    exercise: str | None
    changed: list[tuple[str, str, str, str]] = field(default_factory=list)  # (student, cell,
    # before, after) for the exercise asked for (every cell when none was)
    other_changes: list[tuple[str, str, str, str]] = field(default_factory=list)

    def text(self) -> str:
        what = self.exercise or "all exercises"
        lines = [f"{len(self.changed)} score(s) of {what} changed"]
        lines += [f"  {s} {cell}: {old or '-'} -> {new or '-'}"
                  for s, cell, old, new in self.changed]
        if self.other_changes:
            lines.append(f"WARNING: {len(self.other_changes)} score(s) of other exercises "
                         "changed too (a test depends on more than its exercise?):")
            lines += [f"  {s} {cell}: {old or '-'} -> {new or '-'}"
                      for s, cell, old, new in self.other_changes]
        return "\n".join(lines)


def _scores(settings: CourseSettings, assignment: str) -> dict[tuple[str, str], str]:
    return {(row["student_id"], row["grade_id"]): row["score"]
            for row in exercise_rows(settings, [assignment])}


def regrade(settings: CourseSettings, assignment: str, *, students: Iterable[str] | None = None,
            exercise: str | None = None, workers: int | None = None,
            nbgrader_args: Sequence[str] = (), progress: bool = True) -> RegradeReport:
    """Grade ``students`` (default: everyone who submitted) again, after refreshing the
    assignment's cells from ``solutions/`` when an ``exercise`` (a test cell's grade id) is
    named.

    Raises
    ------
    ValueError
        If ``exercise`` is not a graded cell of the assignment.
    """
    if exercise is not None:
        known = set()
        for name in settings.notebooks(assignment):
            source = notebooks.read(settings.source / assignment / f"{name}.ipynb")
            known |= {grade_id for grade_id, cell in notebooks.graded_cells(source)
                      if notebooks.is_test(cell) or notebooks.is_written(cell)}
        if exercise not in known:
            raise ValueError(f"{exercise} is not a graded cell of {assignment}; "
                             f"graded cells: {', '.join(sorted(known))}")
        release_assignment(settings, assignment)
    students = list(students) if students is not None else None
    before = _scores(settings, assignment)
    grading = grade_safely(settings, assignment, students=students, workers=workers,
                           nbgrader_args=nbgrader_args, progress=progress)
    after = _scores(settings, assignment)
    report = RegradeReport(grading, exercise)
    for key in sorted(after):
        old, new = before.get(key, ""), after[key]
        if old == new or (students is not None and key[0] not in students):
            continue
        change = (key[0], key[1], old, new)
        if exercise is None or key[1] == exercise:
            report.changed.append(change)
        else:
            report.other_changes.append(change)
    return report
