"""Reading scores out of nbgrader's gradebook."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


@dataclass(frozen=True)
class CellScore:
    """One graded cell of one submission."""

    grade_id: str
    kind: str  # "autograded" (test cell) or "manual" (written answer)
    score: float | None  # None: not graded yet (manual cells before a grader scores them)
    max_score: float


def cell_scores(db_url: str, assignment: str, notebook: str,
                student: str) -> dict[str, CellScore] | None:
    """Scores of every graded cell of one submitted notebook, or ``None`` if not graded.

    Autograded cells report nbgrader's automatic score; manually graded cells the score a
    grader gave (``None`` until then).
    """
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return None
        scores = {}
        for grade in submission.grades:
            manual = grade.cell_type == "markdown"
            score = grade.score if manual and grade.manual_score is not None else (
                None if manual else grade.auto_score)
            scores[grade.name] = CellScore(
                grade_id=grade.name, kind="manual" if manual else "autograded",
                score=score, max_score=float(grade.max_score),
            )
        return scores


def _alembic_reachable() -> None:
    """Let nbgrader find ``alembic`` (next to this interpreter) when it creates a gradebook."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, path]) if path else bin_dir


@contextmanager
def open_gradebook(db_url: str, course_id: str) -> Iterator[Gradebook]:
    """Open nbgrader's gradebook of course ``course_id`` (created if the database is empty)."""
    _alembic_reachable()
    with Gradebook(db_url, course_id) as gradebook:
        yield gradebook


@dataclass(frozen=True)
class SubmissionState:
    """What the gradebook records about one student's submission of one assignment."""

    student: str
    assignment: str
    graded: bool  # every autograded cell of every notebook has a score
    needs_manual_grade: bool  # written answers still wait for a grader
    code_score: float
    written_score: float
    raw_score: float
    late_penalty: float
    max_score: float
    seconds_late: float
    timestamp: datetime | None

    @property
    def score(self) -> float:
        """The final score as nbgrader exports it: the raw score less the penalty, at least 0."""
        return max(0.0, self.raw_score - self.late_penalty)


def submission_state(gradebook: Gradebook, assignment: str,
                     student: str) -> SubmissionState | None:
    """Read one submission's state, or ``None`` if the student has no submission."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    graded = all(grade.auto_score is not None
                 for notebook in submission.notebooks for grade in notebook.grades
                 if grade.cell_type == "code")
    return SubmissionState(
        student=student, assignment=assignment, graded=graded,
        needs_manual_grade=bool(submission.needs_manual_grade),
        code_score=float(submission.code_score or 0.0),
        written_score=float(submission.written_score or 0.0),
        raw_score=float(submission.score or 0.0),
        late_penalty=float(submission.late_submission_penalty or 0.0),
        max_score=float(submission.max_score or 0.0),
        seconds_late=float(submission.total_seconds_late or 0.0),
        timestamp=submission.timestamp,
    )


def ensure_students(db_url: str, course_id: str, students: Iterable[str]) -> list[str]:
    """Add to the gradebook every student id not yet in it; return the ids added."""
    added = []
    with open_gradebook(db_url, course_id) as gradebook:
        known = {student.id for student in gradebook.students}
        for student in students:
            if student not in known:
                gradebook.add_student(student)
                known.add(student)
                added.append(student)
    return added
