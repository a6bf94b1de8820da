"""Reading scores out of nbgrader's gradebook."""

from __future__ import annotations

from dataclasses import dataclass

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
