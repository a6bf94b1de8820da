"""Teaching a class: the instructor's workflow on a synthetic class of 31 students.

The slow tests run the real nbgrader: the class of ``tests/classroom_fixtures.py`` is released,
collected from an LMS download, graded serially and with two parallel workers (each on its
own SQLite gradebook), and exported; both exports must equal the expected grades exactly. The
same class graded against PostgreSQL is in ``tests/test_postgres.py``. The fast tests cover the
pieces: matching files to students and notebooks, the roster, batching, log reading, reports.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograde import cli, grading, notebooks
from autograde.collect import (Candidate, choose_notebook, collect_from_exchange, is_renamed,
                               match_student)
from autograde.course import course_settings, nbgrader, nbgrader_environment
from autograde.export import assignment_rows, exercise_rows, number
from autograde.feedback import generate_feedback, leaked_lines
from autograde.gradebook import open_gradebook
from autograde.grading import (GRADED, FAILED, REFUSED, MISSING, Outcome, Submission,
                               GradingReport, WorkerRun, pre_check, split_batches,
                               worker_db_url)
from autograde.progress import FAILS, NOT_STARTED, PASSES, student_progress
from autograde.regrade import regrade
from autograde.release import release_assignment
from autograde.roster import RosterError, Student, read_roster
from autograde.safety import grade_safely
from tests.classroom_fixtures import (ASSIGNMENT, WRITTEN_ANSWER, ClassroomRun, expected_exercises,
                                      expected_grades, load_lesson, run_classroom, scratch_course)
from tests.conftest import wrong_answer_cases

slow = pytest.mark.slow


# --------------------------------------------------------------------------------------------
# The classroom simulation (real nbgrader)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> ClassroomRun:
    return run_classroom(tmp_path_factory.mktemp("serial"), workers=1)


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory) -> ClassroomRun:
    return run_classroom(tmp_path_factory.mktemp("parallel"), workers=2,
                         progress=io.StringIO())


def _by_student(report: GradingReport) -> dict[str, Outcome]:
    return {o.student: o for o in report.outcomes}


@slow
def test_the_class_covers_every_case(serial: ClassroomRun) -> None:
    cases = {p.case.split(":")[0] for p in serial.pupils}
    assert len(serial.pupils) >= 30
    for case in ("correct", "partial", "wrong", "blank", "missing notebook", "late by an hour",
                 "renamed notebook", "unreadable notebook"):
        assert case in cases, case
    assert len([p for p in serial.pupils if p.case.startswith("wrong")]) == len(
        wrong_answer_cases(ASSIGNMENT))


@slow
def test_collect_places_every_submission_and_reports_the_rest(serial: ClassroomRun) -> None:
    report = serial.collected
    handed_in = {p.id for p in serial.pupils if p.answers is not None}
    assert set(report.collected) == handed_in
    assert sorted(entry for entry, _ in report.unmatched) == sorted(
        ["README.txt", f"Unknown Person_{ASSIGNMENT}.ipynb", "s24.zip"])
    assert report.missing == ["s24", "s25"]
    renamed = {p.id for p in serial.pupils if p.upload in ("zip-renamed", "renamed", "by-name")}
    assert set(report.renamed) == renamed
    for pupil in serial.pupils:
        folder = serial.settings.submission(pupil.id, ASSIGNMENT)
        assert folder.is_dir() == (pupil.answers is not None), pupil.id
        if pupil.answers is not None:
            assert sorted(p.name for p in folder.iterdir()) == [f"{ASSIGNMENT}.ipynb",
                                                                 "timestamp.txt"]


@slow
@pytest.mark.parametrize("run_name", ["serial", "parallel"])
def test_every_student_is_accounted_for(run_name: str, request: pytest.FixtureRequest) -> None:
    run: ClassroomRun = request.getfixturevalue(run_name)
    outcomes = _by_student(run.grading)
    assert set(outcomes) == {p.id for p in run.pupils}
    expected = {"graded": GRADED, "missing": MISSING, "refused": REFUSED}
    for pupil in run.pupils:
        outcome = outcomes[pupil.id]
        assert outcome.status == expected[pupil.outcome], (pupil.id, pupil.case)
        assert pupil.note in outcome.reason, (pupil.id, outcome.reason)
    assert "is not valid JSON" in outcomes["s30"].reason


@slow
def test_serial_grades_equal_the_expected_ones(serial: ClassroomRun) -> None:
    assert serial.grades == expected_grades(serial.pupils, serial.lesson)
    assert serial.exercises == expected_exercises(serial.pupils, serial.lesson)


@slow
def test_parallel_grades_equal_the_serial_and_the_expected_ones(parallel: ClassroomRun,
                                                                serial: ClassroomRun) -> None:
    assert parallel.grades == expected_grades(parallel.pupils, parallel.lesson)
    assert parallel.exercises == expected_exercises(parallel.pupils, parallel.lesson)
    assert parallel.grades == serial.grades and parallel.exercises == serial.exercises


@slow
def test_each_worker_grades_its_own_students_in_one_process(parallel: ClassroomRun) -> None:
    runs = parallel.grading.runs[:2]  # the two workers (any later run is a retry)
    assert [run.worker for run in runs] == [0, 1]
    batches = [set(run.students) for run in runs]
    assert not batches[0] & batches[1]
    dispatched = {p.id for p in parallel.pupils if p.outcome == "graded"}
    assert batches[0] | batches[1] == dispatched
    for run in runs:  # each process really went through its whole batch
        assert set(run.started) == set(run.students)
    overlap = min(r.ended for r in runs) - max(r.spawned for r in runs)
    assert overlap > 0, "the two workers did not run at the same time"


@slow
def test_progress_bar_shows_count_elapsed_and_eta(parallel: ClassroomRun) -> None:
    graded = len([p for p in parallel.pupils if p.outcome == "graded"])
    text = parallel.progress
    assert f"{graded}/{graded}" in text
    assert "<" in text and "submission" in text  # [elapsed<remaining, rate]


@slow
def test_summary_and_failure_report_name_every_problem(serial: ClassroomRun) -> None:
    table = grading.summary_table(serial.grading)
    for pupil in serial.pupils:
        assert pupil.id in table
    assert "28 graded, 1 refused, 2 missing" in table
    assert "s31" in table and "was deleted: restored from the release" in table
    report = grading.failure_report(serial.grading)
    assert report.startswith("1 submission(s) could not be graded")
    assert "s30: refused: " in report and "s31" not in report


@slow
def test_feedback_shows_results_but_never_hidden_tests(serial: ClassroomRun) -> None:
    report = generate_feedback(serial.settings, ASSIGNMENT)
    graded = {p.id for p in serial.pupils if p.outcome == "graded"}
    assert {page.parent.parent.name for page in report.pages} == graded
    assert not report.leaks
    wrong = next(p for p in serial.pupils if p.case.startswith("wrong"))
    page = serial.settings.feedback / wrong.id / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert "CheckFailure" in page.read_text()  # the failing test's message is there


def test_the_leak_check_finds_a_hidden_line() -> None:
    secrets = ["check_close(fit_power_law(x_hidden, y_hidden), expected, hidden=True)"]
    page = ("<div>check_close(fit_power_law(x_hidden, y_hidden), "
            "expected, hidden=True)</div>")
    assert leaked_lines(page, secrets) == secrets
    assert leaked_lines("<div>nothing secret</div>", secrets) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _formgrader(root: Path) -> Iterator[str]:
    """A Jupyter server with nbgrader's formgrader on the course ``root``; yields its URL."""
    port = _free_port()
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--IdentityProvider.token=",
               "--ServerApp.disable_check_xsrf=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, cwd=root, env=nbgrader_environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"{url}/formgrader/api/status", timeout=5)
                break
            except OSError:
                assert server.poll() is None, "the Jupyter server stopped"
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _api(url: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text.lstrip().startswith(("[", "{")) else text


@slow
def test_the_formgrader_shows_written_answers_and_takes_marks(serial: ClassroomRun) -> None:
    """The manual-grading path: the formgrader lists the submissions awaiting a mark, shows the
    student's written answer with a score box, and the mark it records reaches the export."""
    pupil = next(p for p in serial.pupils if p.written == "answered")
    with _formgrader(serial.settings.root) as url:
        listed = _api(f"{url}/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
        waiting = {entry["student"] for entry in listed if entry["needs_manual_grade"]}
        assert waiting == {p.id for p in serial.pupils
                           if p.outcome == "graded" and p.written == "answered"}
        submission = next(entry["id"] for entry in listed if entry["student"] == pupil.id)
        page = _api(f"{url}/formgrader/submissions/{submission}/")
        assert WRITTEN_ANSWER in page
        assert f'id="{serial.lesson.written}"' in page  # its score box
        grades = _api(f"{url}/formgrader/api/grades?submission_id={submission}")
        written = next(g for g in grades if g["name"] == serial.lesson.written)
        _api(f"{url}/formgrader/api/grade/{written['id']}", "PUT", {"manual_score": 2.0})
    row = next(r for r in assignment_rows(serial.settings) if r["student_id"] == pupil.id)
    assert (row["status"], row["written_score"], row["score"]) == ("graded", "2", "12")
    cell = next(r for r in exercise_rows(serial.settings)
                if r["student_id"] == pupil.id and r["grade_id"] == serial.lesson.written)
    assert cell["score"] == "2"


@slow
def test_grading_new_work_only_skips_what_is_graded(serial: ClassroomRun) -> None:
    """``course-grade grade --new``: graded submissions (the repaired one too) are up to date
    and no nbgrader process is started; the refused one is refused again."""
    report = grade_safely(serial.settings, ASSIGNMENT, only_new=True, workers=2, progress=False)
    statuses = {o.student: o.status for o in report.outcomes}
    expected = {"graded": grading.CURRENT, "missing": MISSING, "refused": REFUSED}
    assert statuses == {p.id: expected[p.outcome] for p in serial.pupils}
    assert report.runs == []


@slow
def test_regrade_one_exercise_after_its_test_is_corrected(serial: ClassroomRun) -> None:
    """The instructor decides the sign of exercise 1 should not matter: the corrected test
    gives s11 (who returned the slope) its points, and s12 (mixed logarithms) still none."""
    lesson_cases = wrong_answer_cases(ASSIGNMENT)
    assert lesson_cases[0]["why"].startswith("returns the slope")
    settings = serial.settings
    path = settings.source / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = notebooks.read(path)
    for grade_id, cell in notebooks.graded_cells(source):
        if grade_id == "ex1_exponent_tests":
            cell.source = ("from phaselab.checks import check_close\n"
                           "check_close(abs(power_law_exponent(1.0, 1.0, 10.0, 0.1)), 1.0, "
                           "name='the exponent, sign aside')\n")
    notebooks.write(source, path)
    report = regrade(settings, ASSIGNMENT, students=["s11", "s12"],
                     exercise="ex1_exponent_tests", workers=1, progress=False)
    assert report.changed == [("s11", "ex1_exponent_tests", "0", "2")]
    assert report.other_changes == []
    assert {o.student: o.status for o in report.grading.outcomes} == {"s11": GRADED,
                                                                     "s12": GRADED}


# --------------------------------------------------------------------------------------------
# A locked SQLite gradebook: the workers fail, the students are graded again, nothing is lost


@slow
def test_a_locked_sqlite_gradebook_loses_nothing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = scratch_course(tmp_path / "course")
    release_assignment(settings, ASSIGNMENT)
    lesson = load_lesson()
    notebook = notebooks.fill_answers(lesson.release, lesson.reference)
    for student in ("a1", "a2"):
        notebooks.write(notebook, settings.submission(student, ASSIGNMENT)
                        / f"{ASSIGNMENT}.ipynb")
    database = settings.db_url.removeprefix("sqlite:///")
    lock = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    state = {"locked": False, "released": False}
    guard = threading.Lock()
    real_run_worker = grading.run_worker

    def run_worker_under_lock(*args, **kwargs) -> WorkerRun:
        """The first workers find the gradebook locked by another program; the lock ends when
        the first of them gives up."""
        with guard:
            if not state["locked"] and not state["released"]:
                lock.execute("BEGIN EXCLUSIVE")
                state["locked"] = True
        run = real_run_worker(*args, **kwargs)
        with guard:
            if state["locked"]:
                lock.execute("ROLLBACK")
                state.update(locked=False, released=True)
        return run

    monkeypatch.setattr(grading, "run_worker", run_worker_under_lock)
    monkeypatch.setattr(grading, "SQLITE_BUSY_SECONDS", 1)
    try:
        report = grading.grade_class(settings, ASSIGNMENT, workers=2, progress=False)
    finally:
        if state["locked"]:
            lock.execute("ROLLBACK")
        lock.close()
    assert state["released"]
    first_round = report.runs[:2]
    assert any("database is locked" in "\n".join(line for lines in run.logs.values()
                                                 for line in lines) + "\n".join(run.preamble)
               for run in first_round), "the lock did not bite"
    assert {o.student: o.status for o in report.outcomes} == {"a1": GRADED, "a2": GRADED}
    assert max(o.attempts for o in report.outcomes) == 2
    rows = assignment_rows(settings)
    assert [(r["student_id"], r["score"]) for r in rows] == [("a1", "10"), ("a2", "10")]


# --------------------------------------------------------------------------------------------
# A submission nbgrader cannot grade: reported by the engine, repaired by the course's command


@slow
def test_tampered_metadata_fails_in_nbgrader_and_is_repaired_by_the_command(
        tmp_path: Path) -> None:
    """Plain ``grade_class`` reports nbgrader's failure with its exit status and log;
    ``grade_safely`` (``course-grade grade``) rebuilds the notebook and grades its answers."""
    settings = scratch_course(tmp_path / "course")
    release_assignment(settings, ASSIGNMENT)
    lesson = load_lesson()
    notebook = notebooks.fill_answers(lesson.release, lesson.reference)
    test_id = lesson.tests[0]
    cell = next(c for g, c in notebooks.graded_cells(notebook) if g == test_id)
    cell.metadata["nbgrader"]["grade_id"] = "renamed_by_student"
    path = settings.submission("t1", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    notebooks.write(notebook, path)

    plain = grading.grade_class(settings, ASSIGNMENT, workers=1, progress=False)
    [failed] = plain.outcomes
    assert failed.status == FAILED and "metadata may be corrupted" in failed.reason
    assert failed.exit_status == 1 and failed.attempts == 1
    assert "There was an error processing assignment" in failed.log
    report = grading.failure_report(plain)
    assert "t1: failed" in report and "exit status 1" in report

    safe = grade_safely(settings, ASSIGNMENT, workers=1, progress=False)
    [repaired] = safe.outcomes
    assert repaired.status == GRADED, repaired.reason
    assert f"test cell {test_id} was deleted: restored from the release" in repaired.reason
    assert [(r["student_id"], r["score"]) for r in assignment_rows(settings)] == [("t1", "10")]
    kept = settings.root / "autograde" / "originals" / "t1" / ASSIGNMENT / path.name
    assert "renamed_by_student" in kept.read_text()  # the original is kept aside
    assert "renamed_by_student" not in path.read_text()  # nbgrader graded the rebuilt one


# --------------------------------------------------------------------------------------------
# nbgrader's exchange, and a learner's progress


@slow
def test_release_and_collect_through_the_exchange(tmp_path: Path) -> None:
    settings = scratch_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    done = release_assignment(settings, ASSIGNMENT, exchange=str(exchange))
    assert any("exchange" in line for line in done)
    lesson = load_lesson()
    for student, name in (("ana", ASSIGNMENT), ("ben", f"{ASSIGNMENT}-Copy1")):
        home = tmp_path / student / ASSIGNMENT
        notebooks.write(notebooks.fill_answers(lesson.release, lesson.reference),
                        home / f"{name}.ipynb")
        result = nbgrader("submit", ASSIGNMENT, f"--student={student}",
                          f"--Exchange.root={exchange}",
                          f"--CourseDirectory.course_id={settings.course_id}",
                          cwd=tmp_path / student)
        assert result.returncode == 0, result.stderr[-2000:]
    report = collect_from_exchange(settings, ASSIGNMENT, str(exchange))
    assert set(report.collected) == {"ana", "ben"}
    assert report.renamed == {"ben": f"{ASSIGNMENT}-Copy1.ipynb"}
    for student in ("ana", "ben"):
        folder = settings.submission(student, ASSIGNMENT)
        assert (folder / f"{ASSIGNMENT}.ipynb").is_file()
        assert (folder / "timestamp.txt").is_file()


@slow
def test_a_learner_sees_which_exercises_pass(tmp_path: Path) -> None:
    lesson = load_lesson()
    case = next(c for c in wrong_answer_cases(ASSIGNMENT) if c["cell"] == "ex2_fit")
    answers = {"ex1_exponent": lesson.reference["ex1_exponent"], "ex2_fit": case["source"]}
    notebooks.write(notebooks.fill_answers(lesson.release, answers),
                    tmp_path / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    rows = {row.exercise: row for row in student_progress(tmp_path)}
    assert rows["ex1_exponent_tests"].status == PASSES
    assert rows["ex2_fit_tests"].status == FAILS
    assert "CheckFailure" in rows["ex2_fit_tests"].message
    assert rows["ex3_floor_tests"].status == NOT_STARTED
    assert rows["ex4_doublings_tests"].status == NOT_STARTED


# --------------------------------------------------------------------------------------------
# The command line


def test_cli_prints_rubrics_of_written_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rubric", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert "written_straight_line" in out and "Rubric (3 points)" in out
    assert "Question:" in out


def test_cli_is_installed_as_course_grade() -> None:
    result = subprocess.run([sys.executable, "-m", "autograde.cli", "--help"],
                            capture_output=True, text=True, check=True)
    for command in ("release", "roster", "collect", "grade", "regrade", "feedback", "export",
                    "rubric", "progress"):
        assert command in result.stdout


def test_cli_reports_a_bad_roster_without_a_traceback(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    settings = scratch_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name\ns1,Ada\ns1,Bo\nbad id,Cy\n")
    assert cli.main(["--course", str(settings.root), "roster", str(roster)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "line 4" in err


@slow
def test_cli_roster_collect_and_export(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The commands that need no grading, end to end on a scratch course."""
    settings = scratch_course(tmp_path / "course")
    course = ["--course", str(settings.root)]
    assert cli.main([*course, "release", ASSIGNMENT, "--due", "2025-03-01 13:00+01:00",
                     "--to-folder", str(tmp_path / "lms")]) == 0
    assert (tmp_path / "lms" / f"{ASSIGNMENT}.zip").is_file()
    roster = tmp_path / "roster.csv"
    roster.write_text("username,First Name,Last Name,Email\nu1,Ada,Abara,\nu2,Bo,Berg,\n")
    assert cli.main([*course, "roster", str(roster)]) == 0
    download = tmp_path / "download"
    download.mkdir()
    (download / "u1.ipynb").write_text(json.dumps(load_lesson().release))
    assert cli.main([*course, "collect", ASSIGNMENT, "--from-folder", str(download)]) == 0
    assert cli.main([*course, "export", "--out", str(tmp_path / "grades")]) == 0
    out = capsys.readouterr().out
    assert "1 submission(s) collected" in out and "nothing from 1 student(s)" in out
    rows = (tmp_path / "grades" / "grades.csv").read_text().splitlines()
    assert rows[0].split(",")[:6] == ["assignment", "student_id", "last_name", "first_name",
                                      "email", "status"]
    assert [r.split(",")[5] for r in rows[1:]] == ["not_graded", "missing"]
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        due = gradebook.find_assignment(ASSIGNMENT).duedate
    assert f"{due:%Y-%m-%d %H:%M}" == "2025-03-01 12:00"


# --------------------------------------------------------------------------------------------
# Pieces, without nbgrader


def _candidate(label: str, mtime: float = 0.0) -> Candidate:
    return Candidate(label, lambda: b"", mtime)


@pytest.mark.parametrize("names, chosen", [
    (["00-orientation.ipynb", "scratch.ipynb"], "00-orientation.ipynb"),
    (["Copy of 00-orientation (1).ipynb"], "Copy of 00-orientation (1).ipynb"),
    (["my work.ipynb"], "my work.ipynb"),  # a student's only notebook
    (["00_orientation_final.ipynb", "notes.ipynb"], "00_orientation_final.ipynb"),
    (["01-scaling-laws.ipynb"], None),  # another lesson's notebook is never taken
    (["a.ipynb", "b.ipynb"], None),  # nothing to go by
])
def test_choose_notebook(names: list[str], chosen: str | None) -> None:
    others = ["01-scaling-laws", "02-training-phases"]
    found, why = choose_notebook([_candidate(n) for n in names], "00-orientation", others)
    assert (found.label if found else None) == chosen
    assert bool(why) == (chosen is None)


def test_choose_notebook_prefers_the_newest_of_equals() -> None:
    old, new = _candidate("x/00-orientation.ipynb", 1.0), _candidate("y/00-orientation.ipynb", 2.0)
    assert choose_notebook([old, new], "00-orientation")[0] is new


def test_match_student_by_id_then_by_name() -> None:
    roster = [Student("s1", "Ada", "Lovelace"), Student("s10", "Alan", "Turing"),
              Student("ab.c", "Bo", "Berg"), Student("ab", "Cy", "Costa")]
    assert match_student("s1.ipynb", roster)[0].id == "s1"
    assert match_student("s10_work.zip", roster)[0].id == "s10"
    assert match_student("Lovelace, Ada - orientation.ipynb", roster)[0].id == "s1"
    assert match_student("ab.c.zip", roster)[0].id == "ab.c"
    assert match_student("notes.txt", roster) == (None, "names no student on the roster")
    assert match_student("s1_and_s10.zip", roster)[0] is None


def test_is_renamed() -> None:
    assert not is_renamed("s042", "00-orientation", ["s042"])
    assert not is_renamed("s042_00-orientation", "00-orientation", ["s042"])
    assert is_renamed("Copy of 00-orientation", "00-orientation", ["s042"])


def test_read_roster_accepts_common_headers_and_rejects_bad_ids(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("\ufeffStudent ID,Surname,Given Name,E-mail\ns1,Abara,Ada,a@x.org\n\n")
    assert read_roster(good) == [Student("s1", "Ada", "Abara", "a@x.org")]
    bad = tmp_path / "bad.csv"
    bad.write_text("id\ns1\ns1\na b\n")
    with pytest.raises(RosterError, match="line 3.*\n.*line 4"):
        read_roster(bad)
    with pytest.raises(RosterError, match="no student id column"):
        no_id = tmp_path / "no_id.csv"
        no_id.write_text("name\nAda\n")
        read_roster(no_id)


def test_split_batches_deals_distinct_students() -> None:
    students = [f"s{k}" for k in range(7)]
    batches = split_batches(students, 3)
    assert [len(b) for b in batches] == [3, 2, 2]
    assert sorted(s for b in batches for s in b) == sorted(students)
    assert split_batches(students[:1], 4) == [("s0",)]


def test_sqlite_workers_wait_for_the_lock() -> None:
    assert worker_db_url("sqlite:////x/gradebook.db", 1) == "sqlite:////x/gradebook.db"
    assert worker_db_url("sqlite:////x/gradebook.db", 2).endswith("?timeout=60")
    url = "postgresql+psycopg2://grader@/gradebook?host=/s&port=5432"
    assert worker_db_url(url, 4) == url


def test_log_reading_attributes_lines_to_students() -> None:
    log = "\n".join([
        "[AutogradeApp | INFO] Copying files",
        "[AutogradeApp | INFO] Creating/updating student with ID 'a': {}",
        "[AutogradeApp | INFO] Setting destination file permissions to 444",
        "[AutogradeApp | INFO] Creating/updating student with ID 'b': {}",
        "Traceback (most recent call last):",
        "nbclient.exceptions.DeadKernelError: Kernel died",
        "[AutogradeApp | ERROR] There was an error processing assignment: /c/b/x",
        "[AutogradeApp | INFO] Creating/updating student with ID 'c': {}",
    ]) + "\n"
    process = subprocess.Popen([sys.executable, "-c", f"print({log!r}, end='')"],
                               stdout=subprocess.PIPE, text=True)
    run = WorkerRun(worker=0, students=("a", "b", "c"))
    events: queue.Queue = queue.Queue()
    grading._read_log(process, run, events)
    process.wait()
    assert set(run.started) == {"a", "b", "c"}
    assert set(run.finished) == {"a", "b"}  # b ended when c started; c never said it finished
    assert run.errors == {"b"}
    assert grading._failure_reason(run, "b") == "nbclient.exceptions.DeadKernelError: Kernel died"
    assert run.preamble == ["[AutogradeApp | INFO] Copying files"]


def test_transient_failures_are_retried_and_the_others_are_not() -> None:
    run = WorkerRun(worker=0, students=("a", "b", "c"))
    run.started = {"a": 0.0, "b": 1.0}
    run.logs = {"a": ["sqlite3.OperationalError: database is locked"],
                "b": ["AssertionError: wrong"]}
    assert grading._is_transient(run, "a")
    assert not grading._is_transient(run, "b")
    assert grading._is_transient(run, "c")  # never reached


def test_a_stopped_worker_blames_only_the_submission_it_was_grading() -> None:
    run = WorkerRun(worker=0, students=("a", "b", "c"), timed_out=True)
    run.started, run.finished = {"a": 0.0, "b": 1.0}, {"a": 1.0}
    assert not grading._is_transient(run, "b")
    assert "ran out of time" in grading._failure_reason(run, "b")
    assert grading._is_transient(run, "c")  # never reached: graded again on its own
    assert grading._failure_reason(run, "c").startswith("never reached")


def test_pre_checks_refuse_with_a_reason_and_can_be_extended(tmp_path: Path) -> None:
    folder = tmp_path / "s1" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "other.ipynb").write_text("{}")
    missing = Submission("s1", ASSIGNMENT, folder, (ASSIGNMENT,))
    folder2 = tmp_path / "s2" / ASSIGNMENT
    notebooks.write(load_lesson().release, folder2 / f"{ASSIGNMENT}.ipynb")
    fine = Submission("s2", ASSIGNMENT, folder2, (ASSIGNMENT,))
    accepted, refused = pre_check([missing, fine], grading.DEFAULT_PRE_CHECKS)
    assert accepted == [fine]
    assert "found: other.ipynb" in refused[0].reason
    too_many = (*grading.DEFAULT_PRE_CHECKS, lambda s: "over quota" if s.student == "s2" else None)
    accepted, refused = pre_check([fine], too_many)
    assert accepted == [] and refused[0].reason == "over quota"


def test_export_numbers_are_canonical() -> None:
    assert [number(x) for x in (0.0, 2.0, 2.5, 1 / 3, None)] == ["0", "2", "2.5", "0.3333", ""]


def test_zip_members_are_never_extracted_to_disk(tmp_path: Path) -> None:
    from autograde.collect import entry_candidates

    archive = tmp_path / "s1.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../../evil/00-orientation.ipynb", b"{}")
        handle.writestr("__MACOSX/._00-orientation.ipynb", b"\0")
    found, problem = entry_candidates(archive, tmp_path)
    assert problem == "" and [c.stem for c in found] == ["00-orientation"]
    assert found[0].read() == b"{}"
    assert not (tmp_path.parent / "evil").exists()


def test_course_settings_follow_the_gradebook_variable(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHASELAB_GRADEBOOK_URL", raising=False)
    settings = scratch_course(tmp_path / "course", from_environment=True)
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("gradebook.db")
    url = "postgresql+psycopg2://grader@/gradebook?host=/tmp/s&port=5432"
    monkeypatch.setenv("PHASELAB_GRADEBOOK_URL", url)
    assert course_settings(settings.root).db_url == url


# --------------------------------------------------------------------------------------------
# Deployment files: JupyterHub


HUB = Path(__file__).resolve().parent.parent / "autograde" / "jupyterhub"


def _load_config(path: Path) -> tuple[object, dict]:
    """Execute a traitlets configuration file as Jupyter would; return (config, namespace)."""
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(path), "__name__": "config"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    return config, namespace


def _course_id() -> str:
    from traitlets.config import Config

    from autograde.config import configure

    config = Config()
    configure(config, root=HUB)
    return config.CourseDirectory.course_id


def test_jupyterhub_config_serves_the_course_to_its_groups(tmp_path: Path) -> None:
    config, namespace = _load_config(HUB / "jupyterhub_config.py")
    course = _course_id()
    hub = config.JupyterHub
    (service,) = hub.services
    assert service["name"] == course == namespace["COURSE_ID"]
    assert service["user"] == namespace["GRADER_ACCOUNT"] and service["cwd"] == namespace[
        "COURSE_ROOT"]
    assert service["command"][0] == "jupyterhub-singleuser"
    assert set(hub.load_groups) == {f"formgrade-{course}", f"nbgrader-{course}"}
    for role in hub.load_roles:
        assert set(role.get("groups", [])) <= set(hub.load_groups)
    graders = next(r for r in hub.load_roles if r["name"] == f"formgrade-{course}")
    assert f"access:services!service={course}" in graders["scopes"]
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name\ns1,Ada\n,\ns2,Bo\n")
    assert namespace["roster_ids"](roster) == ["s1", "s2"]


def test_nbgrader_configs_of_the_hub_match_the_course(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shared, _ = _load_config(HUB / "nbgrader_config.py")
    assert shared.CourseDirectory.course_id == _course_id()
    assert shared.Exchange.root.startswith("/")
    monkeypatch.setenv("HOME", str(tmp_path))
    grader, _ = _load_config(HUB / "grader_nbgrader_config.py")
    assert grader.CourseDirectory.root == str((tmp_path / "phase-transitions").resolve())
    assert grader.CourseDirectory.source_directory == "solutions"
    assert grader.CourseDirectory.course_id == _course_id()


def test_hub_setup_script_is_valid_and_names_real_extensions() -> None:
    script = HUB / "setup.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    for name in ("jupyterhub_config.py", "nbgrader_config.py", "grader_nbgrader_config.py"):
        assert f"${{HERE}}/{name}" in text and (HUB / name).is_file()
    plugins = set(re.findall(r"@jupyter/nbgrader:[a-z-]+", text))
    bundle = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    shipped = "".join(p.read_text(errors="replace") for p in bundle.glob("static/*.js"))
    if not shipped:
        pytest.skip("nbgrader's JupyterLab extension is not installed here")
    assert plugins and all(f'"{plugin}"' in shipped for plugin in plugins)
