"""A shared gradebook on PostgreSQL: the synthetic class graded by concurrent workers.

A private PostgreSQL server is started from the Debian binaries (``autograde/postgres.py``: a
Unix socket in a temporary folder, as an unprivileged account when the tests run as root).
Setting ``PHASELAB_GRADEBOOK_URL`` alone moves the scratch course's gradebook there; the class
of ``tests/classroom_fixtures.py`` then goes through the command line (release, roster, collect,
grade with three workers, export), and the exported grades must equal the expected ones
exactly, with every row of the gradebook present once.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograde import cli
from autograde.course import CourseSettings
from autograde.postgres import PostgresServer, PostgresUnavailable, temporary_server
from tests.classroom_fixtures import (ASSIGNMENT, Lesson, Pupil, expected_exercises,
                                      expected_grades, prepare_download, scratch_course)

pytestmark = pytest.mark.slow

WORKERS = 3


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    manager = temporary_server()
    try:
        running = manager.__enter__()
    except PostgresUnavailable as error:
        pytest.skip(f"no PostgreSQL server can run here: {error}")
    try:
        yield running
    finally:
        manager.__exit__(None, None, None)


@dataclass
class ServerRun:
    settings: CourseSettings
    pupils: list[Pupil]
    lesson: Lesson
    report: dict
    grades: list[dict[str, str]]
    exercises: list[dict[str, str]]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> ServerRun:
    dest = tmp_path_factory.mktemp("postgres")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PHASELAB_GRADEBOOK_URL", server.url)
        pupils, lesson, roster, download, times = prepare_download(dest)
        settings = scratch_course(dest / "course", from_environment=True)
        assert settings.db_url == server.url
        course = ["--course", str(settings.root)]
        assert cli.main([*course, "release", ASSIGNMENT, "--due", "2025-03-01 12:00"]) == 0
        assert cli.main([*course, "roster", str(roster)]) == 0
        # 1: the stray files of the download are reported as not collected
        assert cli.main([*course, "collect", ASSIGNMENT, "--from-folder", str(download),
                         "--timestamps", str(times)]) == 1
        # 1: one submission cannot be graded (unreadable); the tampered one is repaired
        assert cli.main([*course, "grade", ASSIGNMENT, "--workers", str(WORKERS),
                         "--no-progress"]) == 1
        assert cli.main([*course, "export", "--out", str(dest / "grades")]) == 0
    report_path = max(settings.reports.glob(f"grade-{ASSIGNMENT}-*.json"))
    return ServerRun(settings, pupils, lesson, json.loads(report_path.read_text()),
                     _read_csv(dest / "grades" / "grades.csv"),
                     _read_csv(dest / "grades" / "grades-by-exercise.csv"))


def _query(server: PostgresServer, sql: str, *params: object) -> list[tuple]:
    import psycopg2

    connection = psycopg2.connect(dbname=server.database, user=server.role,
                                  host=str(server.socket_dir), port=server.port)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def test_the_server_runs_unprivileged(server: PostgresServer) -> None:
    owner = (server.data / "PG_VERSION").stat().st_uid
    assert owner != 0 and owner == os.stat(server.data).st_uid
    if os.geteuid() == 0:
        assert server.account in ("postgres", "nobody")


def test_the_gradebook_lives_on_the_server(server: PostgresServer, graded: ServerRun) -> None:
    students = _query(server, "SELECT count(*) FROM student")[0][0]
    assert students == len(graded.pupils)
    assert not (graded.settings.root / "autograde" / "gradebook.db").exists()


def test_grades_equal_the_expected_ones(graded: ServerRun) -> None:
    assert graded.grades == expected_grades(graded.pupils, graded.lesson)
    assert graded.exercises == expected_exercises(graded.pupils, graded.lesson)


def test_every_outcome_is_reported(graded: ServerRun) -> None:
    statuses = {o["student"]: o["status"] for o in graded.report["outcomes"]}
    assert statuses == {p.id: p.outcome for p in graded.pupils}
    reasons = {o["student"]: o["reason"] for o in graded.report["outcomes"]}
    for pupil in graded.pupils:
        assert pupil.note in reasons[pupil.id], (pupil.id, reasons[pupil.id])


def test_nothing_is_lost_or_duplicated(server: PostgresServer, graded: ServerRun) -> None:
    rows = _query(server, """
        SELECT sa.student_id, count(DISTINCT sn.id), count(g.id), count(g.auto_score)
        FROM submitted_assignment sa
        JOIN assignment a ON a.id = sa.assignment_id
        LEFT JOIN submitted_notebook sn ON sn.assignment_id = sa.id
        LEFT JOIN grade g ON g.notebook_id = sn.id
        WHERE a.name = %s
        GROUP BY sa.student_id ORDER BY sa.student_id""", ASSIGNMENT)
    cells = len(graded.lesson.points)
    expected = []
    for pupil in graded.pupils:
        if pupil.outcome == "graded":  # the written answer has no score until it is marked
            expected.append((pupil.id, 1, cells, cells - (pupil.written == "answered")))
    assert rows == expected
    duplicates = _query(server, """
        SELECT student_id, assignment_id, count(*) FROM submitted_assignment
        GROUP BY student_id, assignment_id HAVING count(*) > 1""")
    assert duplicates == []


def test_the_workers_shared_the_server_at_the_same_time(graded: ServerRun) -> None:
    processes = graded.report["processes"][:WORKERS]
    assert [p["worker"] for p in processes] == list(range(WORKERS))
    batches = [set(p["students"]) for p in processes]
    assert sum(len(b) for b in batches) == len(set().union(*batches))  # distinct students
    overlap = min(p["ended"] for p in processes) - max(p["spawned"] for p in processes)
    assert overlap > 0, "the workers did not grade concurrently"
