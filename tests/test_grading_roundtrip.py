"""The real nbgrader pipeline, once per assignment: release, submit, autograde, feedback.

Students in the scratch course:
- ``reference``: the student version with every answer cell holding the reference solution;
- ``untouched``: the student version exactly as released;
- ``wrong-K``: the reference with one answer replaced by a plausible wrong answer
  (``tests/wrong_answers/``), which must lose exactly the points of the test cells it names.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest

from autograde import notebooks
from autograde.course import ScratchCourse, make_scratch_course, nbgrader, notebook_name
from autograde.gradebook import CellScore, cell_scores
from tests.conftest import wrong_answer_cases

pytestmark = pytest.mark.slow


@dataclass
class GradedRun:
    course: ScratchCourse
    assignment: str
    cases: list[dict]
    scores: dict[str, dict[str, CellScore] | None]
    log: str

    def autograded(self, student: str) -> dict[str, CellScore]:
        scores = self.scores[student]
        assert scores is not None, f"{student} was not graded; nbgrader said:\n{self.log[-3000:]}"
        return {k: v for k, v in scores.items() if v.kind == "autograded"}


@pytest.fixture(scope="module")
def graded(assignment: str, tmp_path_factory: pytest.TempPathFactory) -> GradedRun:
    course = make_scratch_course(tmp_path_factory.mktemp(assignment), [assignment])
    released = nbgrader("generate_assignment", assignment, "--force", cwd=course.root)
    assert released.returncode == 0, released.stderr
    solution = notebooks.read(course.root / "solutions" / assignment / notebook_name(assignment))
    release = notebooks.read(course.release(assignment))
    reference = notebooks.reference_answers(solution)
    cases = wrong_answer_cases(assignment)
    students = {"reference": notebooks.fill_answers(release, reference), "untouched": release}
    for k, case in enumerate(cases):
        assert case["cell"] in reference, f"wrong answer {k} names unknown cell {case['cell']}"
        students[f"wrong-{k}"] = notebooks.fill_answers(release, {**reference,
                                                                  case["cell"]: case["source"]})
    for student, notebook in students.items():
        notebooks.write(notebook, course.submitted(student, assignment))
    run = nbgrader("autograde", assignment, "--force", cwd=course.root)
    scores = {s: cell_scores(course.db_url, assignment, assignment, s) for s in students}
    return GradedRun(course, assignment, cases, scores, run.stdout + run.stderr)


def test_reference_scores_full_marks(graded: GradedRun) -> None:
    cells = graded.autograded("reference")
    assert cells, "the assignment has no autograded test cells"
    lost = {k: (v.score, v.max_score) for k, v in cells.items() if v.score != v.max_score}
    assert not lost, f"the reference solution loses points on {lost}"


def test_untouched_student_version_scores_zero(graded: GradedRun) -> None:
    earned = {k: v.score for k, v in graded.autograded("untouched").items() if v.score}
    assert not earned, f"the unmodified student notebook earns points on {earned}"


def test_every_exercise_has_a_wrong_answer(graded: GradedRun) -> None:
    covered = {cell for case in graded.cases for cell in case["loses"]}
    tests = set(graded.autograded("reference"))
    assert tests <= covered, f"no wrong answer exercises {sorted(tests - covered)}"


def test_each_wrong_answer_loses_exactly_its_exercise(graded: GradedRun) -> None:
    problems = []
    for k, case in enumerate(graded.cases):
        cells = graded.autograded(f"wrong-{k}")
        losing = {grade_id for grade_id, v in cells.items() if v.score != v.max_score}
        if losing != set(case["loses"]):
            problems.append(f"wrong answer {k} ({case['why']}) in {case['cell']}: expected to "
                            f"lose {sorted(case['loses'])}, lost {sorted(losing)}")
        partial = {g: v.score for g, v in cells.items() if g in losing and v.score}
        if partial:
            problems.append(f"wrong answer {k} keeps part of the points: {partial}")
    assert not problems, "\n".join(problems)


def _visible_text(page: str) -> str:
    """The text a reader sees in an HTML page: tags removed, entities decoded, spaces folded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def _leaked_hidden_lines(graded: GradedRun, student: str) -> list[str]:
    """Lines of hidden tests (not also shown to students) that appear in a feedback page."""
    solution = notebooks.read(graded.course.root / "solutions" / graded.assignment
                              / notebook_name(graded.assignment))
    release = notebooks.read(graded.course.release(graded.assignment))
    public = re.sub(r"\s+", " ", "\n".join(cell.source for cell in release.cells))
    hidden_lines = [re.sub(r"\s+", " ", line.strip())
                    for source in notebooks.hidden_tests(solution).values()
                    for line in source.splitlines() if len(line.strip()) > 12]
    hidden_lines = [line for line in hidden_lines if line not in public]
    assert hidden_lines, "the assignment has no hidden tests"
    page = _visible_text(graded.course.feedback(student, graded.assignment).read_text())
    return [line for line in hidden_lines if line in page]


def test_feedback_never_shows_hidden_tests(graded: GradedRun) -> None:
    result = nbgrader("generate_feedback", graded.assignment, "--force", cwd=graded.course.root)
    assert result.returncode == 0, result.stderr[-3000:]
    for student in graded.scores:  # wrong answers fail hidden tests: their tracebacks too
        leaked = _leaked_hidden_lines(graded, student)
        assert not leaked, f"feedback for {student} shows hidden tests: {leaked[:3]}"


def test_the_leak_check_catches_nbgrader_default_feedback(graded: GradedRun) -> None:
    """Without the course's setting, nbgrader's feedback does show hidden tests."""
    default = '["nbgrader.preprocessors.GetGrades", ' \
              '"nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]'
    result = nbgrader("generate_feedback", graded.assignment, "--force", "--student", "reference",
                      f"--GenerateFeedback.preprocessors={default}", cwd=graded.course.root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _leaked_hidden_lines(graded, "reference"), "default feedback should leak hidden tests"
    nbgrader("generate_feedback", graded.assignment, "--force", cwd=graded.course.root)
