"""Grading speed: classes of simulated students autograded by the real ``nbgrader``.

Every simulated student submits the reference answers of a lesson: complete work, so every
test cell runs (the slow, honest case). Two kinds of runs, repeated:

* **each lesson**: a small class graded by one worker, one submission after another;
* **a class** of the first lesson graded by one worker, then by one worker per core, so that
  the speed-up of parallel grading is measured on the same submissions in the same repeat.

The runs go through :func:`autograde.benchmark.benchmark_grading`, the timing API of the
course's grading command (``course-grade``): it grades with
:func:`autograde.grading.grade_class` and reads from nbgrader's log when each student started
and ended, which separates nbgrader's start-up (process start to first student) from the time
spent on each submission (kernel, cells, saving grades). Where that API is not available, the
same runs are made with plain ``nbgrader autograde`` calls (:func:`time_with_nbgrader`),
start-up being timed as an ``autograde`` with nothing to grade.
``nbgrader --version`` is timed in both cases: a Python process importing nbgrader.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.core import Figure, Settings, at_most, format_number, not_measured, ratios

GROUP = "grading"
TITLE = "Grading: autograding classes of simulated students"
DESCRIPTION = (
    "Simulated students submit the reference answers (complete work: every test runs), "
    "graded by the real `nbgrader autograde` in a scratch copy of the course, through the "
    "grading command's timing API (`autograde.benchmark.benchmark_grading`, which grades with "
    "`autograde.grading.grade_class`) or, where it is missing, plain nbgrader calls. Seconds "
    "per lesson-submission = wall time of a grading run / submissions it graded; each lesson "
    "with one worker, and a class of the first lesson with one worker and with one per core. "
    "nbgrader's start-up is timed apart from the time spent on each submission. Grading "
    "kernels run with `OMP_NUM_THREADS=1`."
)

SUBMISSION_GOAL = at_most(3.0, "s")

#: Students per lesson in the per-lesson runs, and in the class run (normal, quick).
LESSON_CLASS_SIZE = 2
CLASS_SIZE = 6
QUICK_LESSON_CLASS_SIZE = 1
QUICK_CLASS_SIZE = 2

#: What nbgrader says when a course has no submission to grade.
NOTHING_TO_GRADE = "No notebooks were matched"


@dataclasses.dataclass(frozen=True)
class Timing:
    """One grading run: ``submissions`` graded by ``workers`` processes.

    ``startup_seconds``: nbgrader's start-up per process; ``execution_seconds``: mean time
    spent on one submission, start-up excluded (``None`` where not measured).
    """

    workers: int
    submissions: int
    wall_seconds: float
    startup_seconds: float | None
    execution_seconds: float | None

    @property
    def per_submission(self) -> float:
        """Wall seconds per submission graded."""
        return self.wall_seconds / self.submissions


def plural(count: int, noun: str) -> str:
    """``1 lesson``, ``2 lessons``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def cores() -> int:
    """Cores this process may use: the number of parallel workers."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


# ---------------------------------------------------------------------------------------------
# Timing through the grading command's API
# ---------------------------------------------------------------------------------------------


def grading_api() -> Callable[..., object] | None:
    """``autograde.benchmark.benchmark_grading`` if the grading command offers it."""
    try:
        from autograde.benchmark import benchmark_grading
    except ImportError:
        return None
    return benchmark_grading


def time_with_api(api: Callable[..., object], lesson: str, students: int,
                  workers: Sequence[int], root: Path) -> list[Timing]:
    """Grade ``students`` reference submissions of ``lesson`` once per entry of ``workers``."""
    result = api(lesson, students=students, workers=tuple(workers), repo=root)
    return [Timing(workers=t.workers, submissions=t.submissions, wall_seconds=t.wall_seconds,
                   startup_seconds=t.startup_seconds or None,
                   execution_seconds=t.execution_seconds or None)
            for t in result.timings]


# ---------------------------------------------------------------------------------------------
# Timing with plain nbgrader (when the API is missing)
# ---------------------------------------------------------------------------------------------


def split_class(students: Sequence[str], workers: int) -> list[list[str]]:
    """Deal students to ``workers`` groups in turn (sizes differ by at most one, none empty)."""
    if workers < 1:
        raise ValueError("at least one worker")
    groups = [list(students[k::workers]) for k in range(workers)]
    return [group for group in groups if group]


def prepare_course(dest: Path, lesson: str, students: Sequence[str], root: Path,
                   template: Path | None = None) -> Path:
    """A scratch course in ``dest`` with ``lesson`` released and one reference submission per
    student; returns its root. With ``template`` (a course prepared earlier, before any
    grading), its release and gradebook are copied instead of running nbgrader again."""
    from autograde import notebooks
    from autograde.course import make_scratch_course, nbgrader

    if dest.exists():
        shutil.rmtree(dest)
    course = make_scratch_course(dest, [lesson], repo=root)
    if template is None:
        released = nbgrader("generate_assignment", lesson, "--force", cwd=course.root)
        if released.returncode != 0:
            raise RuntimeError(f"nbgrader could not release {lesson}: {released.stderr[-2000:]}")
    else:
        shutil.copytree(template / "lessons" / lesson, dest / "lessons" / lesson)
        shutil.copy2(template / "autograde" / "gradebook.db", dest / "autograde" / "gradebook.db")
    solution = notebooks.read(course.root / "solutions" / lesson / f"{lesson}.ipynb")
    submission = notebooks.fill_answers(notebooks.read(course.release(lesson)),
                                        notebooks.reference_answers(solution))
    for student in students:
        notebooks.write(submission, course.submitted(student, lesson))
    return course.root


def autograde_seconds(course_root: Path, lesson: str, students: Sequence[str]) -> float:
    """Seconds of ``nbgrader autograde LESSON --force`` in a course.

    With no students, nbgrader starts, finds nothing to grade and exits with an error, which
    is expected: that is its start-up alone.

    Raises
    ------
    RuntimeError
        If nbgrader fails otherwise, or a submission was not graded.
    """
    from autograde.course import nbgrader

    start = time.perf_counter()
    result = nbgrader("autograde", lesson, "--force", cwd=course_root)
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    if not students and NOTHING_TO_GRADE in log:
        return seconds
    graded = [s for s in students if (course_root / "autograde" / "autograded" / s / lesson
                                      / f"{lesson}.ipynb").is_file()]
    if result.returncode != 0 or len(graded) < len(students):
        raise RuntimeError(f"nbgrader autograde {lesson} graded {len(graded)} of "
                           f"{len(students)} submissions: {log[-2000:]}")
    return seconds


def time_with_nbgrader(lesson: str, students: int, workers: Sequence[int], root: Path,
                       workdir: Path) -> list[Timing]:
    """The runs of :func:`time_with_api`, made with plain ``nbgrader autograde`` calls.

    With several workers the class is split between as many scratch courses, each with its own
    gradebook, graded at the same time.
    """
    names = [f"student{k:03d}" for k in range(students)]
    base = prepare_course(workdir / "class", lesson, names, root)
    empty = prepare_course(workdir / "empty", lesson, [], root, template=base)
    startup = autograde_seconds(empty, lesson, [])
    timings = []
    for count in workers:
        if count == 1:
            wall = autograde_seconds(base, lesson, names)
            timings.append(Timing(1, students, wall, startup,
                                  max(wall - startup, 0.0) / students))
            continue
        groups = split_class(names, count)
        shards = [prepare_course(workdir / f"worker-{k}", lesson, group, root, template=base)
                  for k, group in enumerate(groups)]
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(shards)) as pool:  # nbgrader runs in
            list(pool.map(autograde_seconds, shards, [lesson] * len(shards), groups))  # processes
        timings.append(Timing(len(shards), students, time.perf_counter() - start, startup, None))
    return timings


def nbgrader_version_seconds() -> float:
    """Seconds of ``nbgrader --version``: the interpreter, nbgrader and its imports."""
    from autograde.course import REPO_ROOT, nbgrader

    start = time.perf_counter()
    nbgrader("--version", cwd=REPO_ROOT)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.median(known)) if known else None


def why_slow(runs: Sequence[Timing]) -> str:
    """Where a run's time per submission goes: the start-up, shared by the submissions of
    each worker, and the time spent on each submission."""
    startup = _median([t.startup_seconds for t in runs])
    execution = _median([t.execution_seconds for t in runs])
    parts = []
    if startup is not None:
        share = float(np.median([t.workers / t.submissions for t in runs]))
        parts.append(f"nbgrader's start-up, {format_number(startup)} s per worker, adds "
                     f"{format_number(startup * share)} s to each submission")
    if execution is not None:
        parts.append(f"each submission takes {format_number(execution)} s on its own (a "
                     "kernel with its grading guard, the lesson's cells in grading mode, "
                     "saving the grades)")
    return (" Per submission: " + "; ".join(parts) + ".") if parts else ""


def run(settings: Settings, lessons: list[str] | None = None,
        root: Path | None = None) -> list[Figure]:
    """Grade every lesson, then the class of the first lesson, ``settings.count(2)`` times."""
    from autograde.course import REPO_ROOT

    root = root or REPO_ROOT
    names = settings.lessons(lessons, root)
    lesson_size = QUICK_LESSON_CLASS_SIZE if settings.quick else LESSON_CLASS_SIZE
    class_size = QUICK_CLASS_SIZE if settings.quick else CLASS_SIZE
    workers = min(cores(), class_size)
    repeats = settings.count(2)
    api = grading_api()
    backend = ("autograde.benchmark.benchmark_grading" if api else
               "plain nbgrader autograde (autograde.benchmark not available)")

    def grade(lesson: str, students: int, worker_counts: Sequence[int]) -> list[Timing]:
        if api is not None:
            return time_with_api(api, lesson, students, worker_counts, root)
        return time_with_nbgrader(lesson, students, worker_counts, root,
                                  settings.workdir / "grading")

    per_lesson: dict[str, list[Timing]] = {name: [] for name in names}
    serial: list[Timing] = []
    parallel: list[Timing] = []
    version_s: list[float] = []
    try:
        for k in range(repeats):
            settings.log(f"grading ({backend}): repeat {k + 1}/{repeats}")
            version_s.append(nbgrader_version_seconds())
            for name in names:
                settings.log(f"grading {name}: {plural(lesson_size, 'student')}, 1 worker")
                per_lesson[name] += grade(name, lesson_size, [1])
            settings.log(f"grading {names[0]}: {plural(class_size, 'student')}, 1 and "
                         f"{plural(workers, 'worker')}")
            one, many = grade(names[0], class_size, [1, workers])
            serial.append(one)
            parallel.append(many)
    except Exception as error:  # noqa: BLE001 - reported as not measured
        return [not_measured(GROUP, "grading (whole group)", "s",
                             f"Grading failed ({backend}): {type(error).__name__}: "
                             f"{str(error)[:500]}")]

    details = {"backend": backend, "lesson_class_size": lesson_size, "class_size": class_size,
               "class_lesson": names[0], "workers": parallel[0].workers,
               "kernel_threads": "OMP_NUM_THREADS=1"}
    startups = [t.startup_seconds for t in [*serial, *(t for v in per_lesson.values() for t in v)]
                if t.startup_seconds is not None]
    figures = [
        Figure(GROUP, "nbgrader start-up: `nbgrader --version`", "s", samples=version_s,
               compared_with="–", details=details,
               note="A new Python process importing nbgrader, before any course work."),
    ]
    if startups:
        figures.append(Figure(
            GROUP, "nbgrader start-up of one `autograde` run", "s", samples=startups,
            compared_with="–", details=details,
            note=("From the process start to its first student, read from nbgrader's log"
                  if api else "An `autograde` with nothing to grade, which exits once it has "
                  "read the course") + ", in every one-worker run: paid once per run and "
                  "worker, whatever the class size."))
    for name in names:
        figure = Figure(
            GROUP, f"lesson {name}: per submission, 1 worker", "s",
            samples=[t.per_submission for t in per_lesson[name]], goal=SUBMISSION_GOAL,
            details=details, note=f"A class of {lesson_size} graded by one nbgrader process.")
        if figure.verdict == "misses":
            figure.note += why_slow(per_lesson[name])
        figures.append(figure)
    serial_figure = Figure(
        GROUP, "class: per submission, 1 worker", "s",
        samples=[t.per_submission for t in serial], goal=SUBMISSION_GOAL, details=details,
        note=f"{plural(class_size, 'student')} of {names[0]} graded by one nbgrader process.")
    parallel_figure = Figure(
        GROUP, "class: per submission, one worker per core", "s",
        samples=[t.per_submission for t in parallel], goal=SUBMISSION_GOAL, details=details,
        note=f"The same class split between {plural(parallel[0].workers, 'worker')} grading "
             "at the same time.")
    for figure, runs in ((serial_figure, serial), (parallel_figure, parallel)):
        if figure.verdict == "misses":
            figure.note += why_slow(runs)
    if parallel_figure.verdict == "misses" and parallel[0].workers > 1:
        parallel_figure.note += (" Each worker pays the start-up, and the workers' kernels "
                                 "share the cores with each other and with anything else "
                                 "running.")
    figures += [
        serial_figure,
        parallel_figure,
        Figure(GROUP, "class: parallel speed-up", "×",
               samples=ratios([t.wall_seconds for t in serial],
                              [t.wall_seconds for t in parallel]),
               compared_with=f"{plural(parallel[0].workers, 'worker')} (ideal speed-up)",
               details=details, note="Wall time with one worker over wall time with one per "
                                     "core, in the same repeat."),
    ]
    execution = [t.execution_seconds for t in serial if t.execution_seconds is not None]
    if execution:
        figures.append(Figure(
            GROUP, "class: per submission, start-up excluded", "s", samples=execution,
            compared_with="class, 1 worker", details=details,
            note=("Mean time nbgrader spends on one student, from its start to its end in the "
                  "log" if api else "The one-worker run minus an empty `autograde`, per "
                  "submission") + ": kernel start with the grading guard, the cells, saving "
                  "grades."))
    return figures
