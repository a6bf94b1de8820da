"""A synthetic class of lesson 00 with known grades, and one run of the instructor's workflow.

Thirty-one students, each a case the workflow must handle: correct answers, answers to only
some exercises, each known wrong answer of ``tests/wrong_answers/00_orientation.py``, blank
notebooks, a notebook missing from a zip, no submission at all, late submissions, renamed
notebooks, a file named only by the student's name, an unreadable notebook and a notebook whose
grading metadata was tampered with (rebuilt from the release and graded on its answers). Their submissions arrive as a folder downloaded from a
learning-management system (notebooks, zips and per-student folders, plus stray files), and
every expected score is known from how the notebook was built.

:func:`run_classroom` plays the instructor's term on a scratch copy of the course: release with
a due date, roster, collect from the download, grade (as ``course-grade grade`` does, with
:func:`autograde.safety.grade_safely`), export.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from autograde import notebooks
from autograde.collect import CollectReport, collect_from_folder, read_timestamps
from autograde.course import CourseSettings, REPO_ROOT, course_settings, make_scratch_course
from autograde.export import ASSIGNMENT_COLUMNS, assignment_rows, exercise_rows, number
from autograde.grading import GradingReport
from autograde.release import release_assignment
from autograde.roster import Student, import_roster, read_roster, write_roster
from autograde.safety import grade_safely
from tests.conftest import wrong_answer_cases

ASSIGNMENT = "00-orientation"
DUE = datetime(2025, 3, 1, 12, 0, 0)
ON_TIME = DUE - timedelta(days=1)
#: Late submissions score zero in these runs: nbgrader's own "zero" late-penalty method.
LATE_PENALTY = 'c.LateSubmissionPlugin.penalty_method = "zero"\n'

_FIRST = ["Ada", "Bela", "Chen", "Dara", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kira",
          "Luca", "Mina", "Nils", "Oona", "Pavel", "Qi", "Rosa", "Sami", "Tariq", "Uma", "Vera",
          "Wen", "Xenia", "Yusuf", "Zoe", "Ali", "Bo", "Cleo", "Dev", "Eli"]
_LAST = ["Abara", "Berg", "Costa", "Dahl", "Eze", "Fontaine", "Gupta", "Horvat", "Ito",
         "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe",
         "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhou", "Alves",
         "Brandt", "Celik", "Diallo", "Eriksen"]

WRITTEN_ANSWER = ("A straight line ignores the irreducible floor, five points give a noisy "
                  "slope, and the large run may be trained differently.")


@dataclass(frozen=True)
class Pupil:
    """One synthetic student: what they hand in, how, and what they must score."""

    student: Student
    case: str
    answers: dict[str, str] | None  # answer cells written in; None: nothing handed in
    upload: str  # how the file appears in the download (see :func:`write_download`)
    submitted_at: datetime | None = None
    loses: frozenset[str] = frozenset()  # autograded cells that must score zero
    written: str = "blank"  # "blank" (scores 0 automatically) or "answered" (awaits a grader)
    outcome: str = "graded"  # graded, missing (nothing collected) or refused
    note: str = ""  # what the grading report must say about the submission

    @property
    def id(self) -> str:
        return self.student.id


@dataclass
class Lesson:
    """What the class builder needs to know about the lesson."""

    release: object  # the student version
    reference: dict[str, str]
    points: dict[str, float]  # grade id -> points, for every graded cell
    written: str  # grade id of the written answer
    tests: list[str]  # grade ids of the autograded test cells


def load_lesson(root: Path = REPO_ROOT) -> Lesson:
    """Read lesson 00's student version and reference answers."""
    solution = notebooks.read(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release = notebooks.read(root / "lessons" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points, tests, written = {}, [], ""
    for grade_id, cell in notebooks.graded_cells(solution):
        meta = notebooks.nbgrader_meta(cell)
        if notebooks.is_test(cell):
            tests.append(grade_id)
        elif notebooks.is_written(cell):
            written = grade_id
        else:
            continue
        points[grade_id] = float(meta.get("points", 0))
    return Lesson(release, notebooks.reference_answers(solution), points, written, tests)


def _test_of(answer_id: str, lesson: Lesson) -> str:
    """The test cell that grades an answer cell (``exK_name`` -> ``exK_name_tests``)."""
    test = f"{answer_id}_tests"
    assert test in lesson.tests, f"no test cell {test} in {ASSIGNMENT}"
    return test


def build_class(lesson: Lesson) -> list[Pupil]:
    """The 31 synthetic students of the simulation."""
    pupils: list[Pupil] = []
    answers_ids = sorted(lesson.reference)

    def add(case: str, answers: dict[str, str] | None, upload: str = "notebook", **kw) -> None:
        k = len(pupils)
        student = Student(f"s{k + 1:02d}", _FIRST[k], _LAST[k], f"s{k + 1:02d}@example.org")
        pupils.append(Pupil(student, case, answers, upload, **kw))

    reference = dict(lesson.reference)
    for upload in ("notebook", "zip", "lms-folder", "id-prefixed"):
        add("correct", reference, upload, submitted_at=ON_TIME)
    add("correct, written answer named by person", reference | {lesson.written: WRITTEN_ANSWER},
        "by-name", submitted_at=ON_TIME, written="answered")
    add("correct, written answer", reference | {lesson.written: WRITTEN_ANSWER},
        submitted_at=ON_TIME, written="answered")
    for subset in ([0], [0, 1], [2, 3], [1, 3]):
        done = {answers_ids[i] for i in subset}
        add(f"partial: {', '.join(sorted(done))}", {a: reference[a] for a in done},
            submitted_at=ON_TIME,
            loses=frozenset(_test_of(a, lesson) for a in answers_ids if a not in done))
    for k, case in enumerate(wrong_answer_cases(ASSIGNMENT)):
        add(f"wrong: {case['why']}", reference | {case["cell"]: case["source"]},
            "zip" if k == 1 else "lms-folder" if k == 3 else "notebook",
            submitted_at=ON_TIME, loses=frozenset(case["loses"]))
    for _ in range(2):
        add("blank", {}, submitted_at=ON_TIME, loses=frozenset(lesson.tests))
    add("missing notebook: a zip without it", None, "zip-without-notebook", outcome="missing")
    add("nothing handed in", None, "none", outcome="missing")
    add("late by an hour", reference, submitted_at=DUE + timedelta(hours=1))
    add("late by two days", reference, submitted_at=DUE + timedelta(days=2))
    add("renamed notebook inside a zip", reference, "zip-renamed", submitted_at=ON_TIME)
    add("renamed notebook", reference, "renamed", submitted_at=ON_TIME)
    add("unreadable notebook", reference, "corrupt", submitted_at=ON_TIME, outcome="refused")
    add("grading metadata tampered with", reference, "tampered", submitted_at=ON_TIME,
        note=f"test cell {lesson.tests[0]} was deleted: restored from the release")
    return pupils


# --------------------------------------------------------------------------------------------
# The download folder


def _notebook_bytes(pupil: Pupil, lesson: Lesson) -> bytes:
    notebook = notebooks.fill_answers(lesson.release, pupil.answers or {})
    if pupil.upload == "tampered":
        for grade_id, cell in notebooks.graded_cells(notebook):
            if grade_id == lesson.tests[0]:
                cell.metadata["nbgrader"]["grade_id"] = "renamed_by_student"
    text = json.dumps(notebook, indent=1)
    if pupil.upload == "corrupt":
        text = text[: len(text) // 2]
    return text.encode()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def write_download(folder: Path, pupils: list[Pupil], lesson: Lesson) -> None:
    """Write the class's submissions as an LMS download, plus two stray files."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{ASSIGNMENT}.ipynb"
    for pupil in pupils:
        sid, who = pupil.id, pupil.student
        if pupil.upload == "none":
            continue
        if pupil.upload == "zip-without-notebook":
            (folder / f"{sid}.zip").write_bytes(_zip({"notes.txt": b"I could not finish."}))
            continue
        content = _notebook_bytes(pupil, lesson)
        if pupil.upload in ("notebook", "corrupt", "tampered"):
            (folder / f"{sid}.ipynb").write_bytes(content)
        elif pupil.upload == "id-prefixed":
            (folder / f"{sid}_{name}").write_bytes(content)
        elif pupil.upload == "zip":
            (folder / f"{sid}.zip").write_bytes(_zip({f"{ASSIGNMENT}/{name}": content,
                                                      f"{ASSIGNMENT}/notes.md": b"done"}))
        elif pupil.upload == "zip-renamed":
            (folder / f"{sid}_orientation.zip").write_bytes(
                _zip({f"Copy of {ASSIGNMENT} (1).ipynb": content,
                      "__MACOSX/._Copy of notebook.ipynb": b"\0"}))
        elif pupil.upload == "lms-folder":
            entry = folder / f"{who.first_name} {who.last_name}_{sid}_assignsubmission_file_"
            entry.mkdir()
            (entry / name).write_bytes(content)
        elif pupil.upload == "by-name":
            (folder / f"{who.last_name}, {who.first_name} - orientation.ipynb").write_bytes(content)
        elif pupil.upload == "renamed":
            (folder / f"{sid}_my_orientation_FINAL.ipynb").write_bytes(content)
        else:
            raise ValueError(f"unknown upload {pupil.upload}")
    (folder / "README.txt").write_text("Downloaded from the course page.")
    (folder / f"Unknown Person_{name}").write_bytes(json.dumps(lesson.release).encode())


def write_timestamps(path: Path, pupils: list[Pupil]) -> None:
    """The submission times an LMS export would list, as ``student_id,timestamp``."""
    lines = ["student_id,timestamp"] + [f"{p.id},{p.submitted_at:%Y-%m-%d %H:%M:%S}"
                                        for p in pupils if p.submitted_at is not None]
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------------------------
# Expected grades


def expected_exercise_scores(pupil: Pupil, lesson: Lesson) -> dict[str, str]:
    """Each graded cell's expected score as the export writes it ("" for none)."""
    if pupil.outcome in ("missing", "refused"):
        return {grade_id: "" for grade_id in lesson.points}
    scores = {test: number(0.0 if test in pupil.loses else lesson.points[test])
              for test in lesson.tests}
    scores[lesson.written] = "" if pupil.written == "answered" else "0"
    return scores


def expected_grades(pupils: list[Pupil], lesson: Lesson) -> list[dict[str, str]]:
    """The rows of ``grades.csv`` the simulation must produce, exactly."""
    rows = []
    max_score = sum(lesson.points.values())
    for pupil in pupils:
        who = pupil.student
        code = sum(float(s or 0) for g, s in expected_exercise_scores(pupil, lesson).items()
                   if g != lesson.written)
        late = (pupil.submitted_at - DUE).total_seconds() if pupil.submitted_at else 0.0
        reached = pupil.outcome == "graded"
        penalty = code if reached and late > 0 else 0.0
        status = {"graded": "needs_manual_grade" if pupil.written == "answered" else "graded",
                  "missing": "missing", "refused": "not_graded"}[pupil.outcome]
        rows.append({
            "assignment": ASSIGNMENT, "student_id": pupil.id, "last_name": who.last_name,
            "first_name": who.first_name, "email": who.email, "status": status,
            "timestamp": f"{pupil.submitted_at:%Y-%m-%d %H:%M:%S}" if reached else "",
            "seconds_late": number(max(late, 0.0) if reached else 0.0),
            "code_score": number(code), "written_score": "0", "raw_score": number(code),
            "late_penalty": number(penalty), "score": number(max(0.0, code - penalty)),
            "max_score": number(max_score),
        })
    assert all(set(row) == set(ASSIGNMENT_COLUMNS) for row in rows)
    return rows


def expected_exercises(pupils: list[Pupil], lesson: Lesson) -> list[dict[str, str]]:
    """The rows of ``grades-by-exercise.csv`` the simulation must produce, exactly."""
    rows = []
    for pupil in pupils:
        scores = expected_exercise_scores(pupil, lesson)
        for grade_id in sorted(lesson.points):
            rows.append({"assignment": ASSIGNMENT, "student_id": pupil.id,
                         "notebook": ASSIGNMENT, "grade_id": grade_id,
                         "kind": "manual" if grade_id == lesson.written else "autograded",
                         "score": scores[grade_id], "max_score": number(lesson.points[grade_id])})
    return rows


# --------------------------------------------------------------------------------------------
# One run of the workflow


@dataclass
class ClassroomRun:
    """What one run of the instructor's workflow produced."""

    settings: CourseSettings
    pupils: list[Pupil]
    lesson: Lesson
    collected: CollectReport
    grading: GradingReport
    grades: list[dict[str, str]]
    exercises: list[dict[str, str]]
    progress: str = ""
    extra: dict = field(default_factory=dict)


def scratch_course(dest: Path, db_url: str | None = None, *,
                   from_environment: bool = False) -> CourseSettings:
    """A scratch copy of the course grading lesson 00 with the "zero" late penalty.

    The gradebook is ``db_url`` (default: SQLite inside ``dest``), or, with
    ``from_environment``, follows ``PHASELAB_GRADEBOOK_URL`` exactly as the repository's own
    ``nbgrader_config.py`` does.
    """
    course = make_scratch_course(dest, [ASSIGNMENT], db_url=db_url)
    config = course.root / "nbgrader_config.py"
    if from_environment:
        config.write_text("from pathlib import Path\n\nfrom autograde.config import configure\n\n"
                          "c = get_config()  # noqa: F821\n"
                          "configure(c, root=Path(__file__).resolve().parent)\n")
    config.write_text(config.read_text() + LATE_PENALTY)
    return course_settings(course.root)


def prepare_download(dest: Path) -> tuple[list[Pupil], Lesson, Path, Path, Path]:
    """Build the class and write its roster, download folder and timestamps under ``dest``."""
    lesson = load_lesson()
    pupils = build_class(lesson)
    roster = dest / "roster.csv"
    write_roster([p.student for p in pupils], roster)
    download = dest / "download"
    write_download(download, pupils, lesson)
    times = dest / "timestamps.csv"
    write_timestamps(times, pupils)
    return pupils, lesson, roster, download, times


def run_classroom(dest: Path, *, workers: int, db_url: str | None = None,
                  progress: bool | io.StringIO = False) -> ClassroomRun:
    """Release, roster, collect, grade and export lesson 00 for the synthetic class, through
    the Python API."""
    pupils, lesson, roster, download, times = prepare_download(dest)
    settings = scratch_course(dest / "course", db_url)
    release_assignment(settings, ASSIGNMENT, due=DUE)
    students = read_roster(roster)
    import_roster(students, settings.db_url, settings.course_id)
    collected = collect_from_folder(settings, ASSIGNMENT, download, students,
                                    read_timestamps(times))
    grading = grade_safely(settings, ASSIGNMENT, workers=workers, progress=progress)
    return ClassroomRun(settings, pupils, lesson, collected, grading,
                        assignment_rows(settings), exercise_rows(settings),
                        progress.getvalue() if isinstance(progress, io.StringIO) else "")
