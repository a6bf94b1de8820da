"""Grading that cannot be fooled or broken: an adversarial class of lesson 00.

One run of the grading command (:func:`autograde.safety.grade_safely`, what
``course-grade grade`` runs) grades every adversarial student of
``tests/adversarial/cases.py`` together with honest ones, with a short per-cell time limit.
For each case: the score is exactly what the honest part deserves, the instructor's report names
the student and the problem, everyone else is graded normally, and the gradebook stays intact.
A second test kills the grading command in the middle (SIGKILL) and runs it again.
"""

from __future__ import annotations

import copy
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograde import notebooks, safety
from autograde.course import CourseSettings
from autograde.export import exercise_rows, number
from autograde.grading import GRADED, REFUSED, summary_table
from autograde.release import release_assignment
from tests.adversarial.cases import ASSIGNMENT, Case, build_cases
from tests.classroom_fixtures import Lesson, load_lesson, scratch_course

slow = pytest.mark.slow

#: Per-cell time limit of these runs (seconds): the loop cases wait for it.
TIMEOUT = ["--Execute.timeout=10"]

#: Secrets in the instructor's environment while grading; no graded notebook may show them.
INSTRUCTOR_SECRETS = {"JUPYTERHUB_API_TOKEN": "adv-hub-token-5f1c",
                      "PIP_INDEX_URL": "https://grader:pw-9d2e@mirror.example.org/simple"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(settings: CourseSettings, student: str, content: bytes) -> Path:
    path = settings.submission(student, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _scores(settings: CourseSettings) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for row in exercise_rows(settings):
        found.setdefault(row["student_id"], {})[row["grade_id"]] = row["score"]
    return found


def _expected(lesson: Lesson, loses: frozenset[str]) -> dict[str, str]:
    return {test: number(0.0 if test in loses else lesson.points[test]) for test in lesson.tests}


def _submissions_per_student(settings: CourseSettings) -> dict[str, int]:
    path = settings.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        rows = db.execute("select student_id, count(*) from submitted_assignment "
                          "group by student_id").fetchall()
    return dict(rows)


class Run:
    """The adversarial class after one grading run."""

    def __init__(self, root: Path) -> None:
        self.lesson = load_lesson()
        self.settings = scratch_course(root)
        release_assignment(self.settings, ASSIGNMENT)
        self.cases = build_cases(str(self.settings.root))
        for case in self.cases:
            _write(self.settings, case.student, case.build(self.lesson))
        self.honest_file = _digest(self.settings.submission("honest_a", ASSIGNMENT)
                                   / f"{ASSIGNMENT}.ipynb")
        begin = time.monotonic()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in INSTRUCTOR_SECRETS.items():
                patch.setenv(name, value)
            self.report = safety.grade_safely(self.settings, ASSIGNMENT, workers=2,
                                              nbgrader_args=TIMEOUT, progress=False)
        self.seconds = time.monotonic() - begin
        self.outcomes = {o.student: o for o in self.report.outcomes}
        self.scores = _scores(self.settings)
        print(summary_table(self.report))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(tmp_path_factory.mktemp("adversarial"))


def _ids(cases: list[Case]) -> list[str]:
    return [c.student for c in cases]


CASES = build_cases("/course")


@slow
@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_case_is_graded_on_its_honest_work(run: Run, case: Case) -> None:
    outcome = run.outcomes[case.student]
    if case.outcome == "refused":
        assert outcome.status == REFUSED, (outcome.status, outcome.reason)
        assert case.note in outcome.reason
        assert case.student not in run.scores or not any(run.scores[case.student].values())
        return
    assert outcome.status == GRADED, (outcome.status, outcome.reason, outcome.log[-2000:])
    got = {g: s for g, s in run.scores[case.student].items() if g in run.lesson.tests}
    assert got == _expected(run.lesson, case.loses), outcome.reason
    if case.note:
        assert case.note in outcome.reason, outcome.reason


@slow
def test_the_report_names_each_repaired_student_and_problem(run: Run) -> None:
    table = summary_table(run.report)
    for case in run.cases:
        if case.note:
            line = next(l for l in table.splitlines() if l.startswith(case.student + " "))
            assert case.note in line, line


@slow
def test_guard_notices_are_left_for_the_instructor(run: Run) -> None:
    def outputs(student: str) -> str:
        graded = notebooks.read(run.settings.graded_notebook(student, ASSIGNMENT, ASSIGNMENT))
        return str([c.get("outputs") for c in graded.cells])
    assert "[grading guard] undid changes" in outputs("adv_builtins")
    assert "os.fork is not allowed" in outputs("adv_fork")
    assert "MemoryError" in outputs("adv_memory")
    # 60 MB printed; the guard caps each cell at 2 M characters (nbgrader keeps fewer lines)
    assert len(outputs("adv_flood")) < 3_000_000
    stolen = outputs("adv_steal")
    assert "ATTACK SUCCEEDED" not in stolen and "out of reach while grading" in stolen
    printed = outputs("adv_secrets")
    assert "environment:" in printed and printed.count("out of reach while grading") == 3


@slow
def test_no_graded_notebook_shows_the_instructors_secrets(run: Run) -> None:
    for graded in run.settings.autograded.glob(f"*/{ASSIGNMENT}/*.ipynb"):
        text = graded.read_text(errors="replace")
        for secret in ("adv-hub-token-5f1c", "pw-9d2e"):
            assert secret not in text, graded


@slow
def test_gradebook_and_other_students_files_are_intact(run: Run) -> None:
    counts = _submissions_per_student(run.settings)
    graded = {c.student for c in run.cases if c.outcome == "graded"}
    assert counts == {s: 1 for s in graded}
    folder = run.settings.submission("honest_a", ASSIGNMENT)
    assert _digest(folder / f"{ASSIGNMENT}.ipynb") == run.honest_file
    assert run.scores["honest_a"] == {**_expected(run.lesson, frozenset()),
                                     run.lesson.written: "0"}


@slow
def test_originals_are_kept_out_of_the_submission(run: Run) -> None:
    kept = run.settings.root / safety.ORIGINALS / "adv_deleted_test" / ASSIGNMENT
    original = notebooks.read(kept / f"{ASSIGNMENT}.ipynb")
    ids = [g for g, _ in notebooks.graded_cells(original)]
    assert "ex1_exponent_tests" not in ids  # the student's own file, as handed in


@slow
def test_suite_runs_in_a_few_minutes(run: Run) -> None:
    assert run.seconds < 300, run.seconds


# --------------------------------------------------------------------------------------------
# Comparing a submission with the release (no grading)


def _test_cell(notebook, grade_id: str = "ex1_exponent_tests"):
    return next(c for g, c in notebooks.graded_cells(notebook) if g == grade_id)


def test_an_edited_test_cell_is_reported_and_restored() -> None:
    lesson = load_lesson()
    submitted = notebooks.fill_answers(lesson.release, lesson.reference)
    _test_cell(submitted).source = "pass  # the test is gone\n"
    found = safety.inspect(submitted, lesson.release)
    assert found.changes == ["test cell ex1_exponent_tests was edited: restored from the "
                             "release"]
    rebuilt = safety.rebuild(lesson.release, found.answers)
    assert _test_cell(rebuilt).source == _test_cell(lesson.release).source


def test_a_test_cell_from_an_earlier_release_is_not_called_edited() -> None:
    """After ``course-grade regrade --exercise`` releases a corrected test, every hand-in still
    holds the old one, untouched: its source matches the checksum nbgrader recorded."""
    from nbgrader.utils import compute_checksum

    lesson = load_lesson()
    corrected = copy.deepcopy(lesson.release)
    cell = _test_cell(corrected)
    cell.source += "# corrected\n"
    cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    submitted = notebooks.fill_answers(lesson.release, lesson.reference)
    assert safety.inspect(submitted, corrected).changes == []
    forged = copy.deepcopy(submitted)  # edited, checksum left as it was: still caught
    _test_cell(forged).source = "pass\n"
    assert len(safety.inspect(forged, corrected).changes) == 1


# --------------------------------------------------------------------------------------------
# Crash safety


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _grading_command(settings: CourseSettings, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograde.cli", "--course", str(settings.root), "grade",
            ASSIGNMENT, "--workers", "2", "--no-progress", *extra]


@slow
def test_killed_run_is_completed_by_running_it_again(tmp_path: Path) -> None:
    lesson = load_lesson()
    settings = scratch_course(tmp_path / "course")
    release_assignment(settings, ASSIGNMENT)
    honest, wrong = build_cases(str(settings.root))[:2]  # all correct; exercise 1 wrong
    students = {f"c{k}": wrong if k % 2 else honest for k in range(6)}
    for student, case in students.items():
        _write(settings, student, case.build(lesson))
    process = subprocess.Popen(_grading_command(settings), cwd=settings.root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:  # wait until some, not all, are graded
            done = list(settings.autograded.glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
            if len(done) >= 2:
                break
            time.sleep(0.2)
    finally:
        victims = _descendants(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()
    assert process.returncode == -signal.SIGKILL
    again = subprocess.run(_grading_command(settings, "--new"), cwd=settings.root,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    scores = _scores(settings)
    for student, case in students.items():
        got = {g: s for g, s in scores[student].items() if g in lesson.tests}
        assert got == _expected(lesson, case.loses), student
    assert _submissions_per_student(settings) == {s: 1 for s in students}
