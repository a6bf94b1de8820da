"""Autograding a whole class: parallel nbgrader workers, a progress bar and a report.

How :func:`grade_class` grades one assignment:

1. **Find** the submissions (``autograde/submitted/<student>/<assignment>/``), or only those of
   the students asked for.
2. **Pre-check** each one with ``pre_checks`` (callables ``Submission -> reason or None``,
   :data:`DEFAULT_PRE_CHECKS` by default). A refused submission never reaches nbgrader and is
   reported with the reason. This is the place for further per-submission checks.
3. **Prepare** the gradebook in this process: the assignment must have been released, and every
   student is added before the workers start, so no two processes ever create the same row.
4. **Dispatch** the accepted students to ``workers`` processes. Each runs ``nbgrader autograde``
   once over its own batch of distinct students (everyone else is excluded with nbgrader's
   ``--CourseDirectory.student_id_exclude``), so nbgrader's start-up of about two seconds is paid
   once per worker rather than once per student. ``nbgrader_args`` reach every worker: this is
   the place for kernel limits (``--Execute.timeout=30``, ...).
5. **Watch** the workers' logs line by line: each student's start and end move the progress bar
   (count, elapsed time, ETA) and are timed, and each student's part of the log is kept.
6. **Verify** in the gradebook and on disk that every dispatched student was graded by this run.
   A student a worker never reached, or whose grading failed for a reason outside the
   submission (a locked SQLite file, a kernel port taken), is graded again once, alone in one
   process. Whatever still fails is reported with the worker's exit status and a log excerpt;
   one submission's failure never stops the others.

Grading is deterministic per student, so the gradebook after a parallel run equals the one after
a serial run (``workers=1``); the tests check exactly that, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import nbformat
from nbgrader.api import Gradebook

from autograde.course import CourseSettings, nbgrader_command, nbgrader_environment
from autograde.gradebook import ensure_students, open_gradebook, submission_state

GRADED, FAILED, REFUSED, MISSING, CURRENT = "graded", "failed", "refused", "missing", "up to date"

#: Largest notebook the default pre-check lets through (bytes); real submissions are < 1 MB.
MAX_NOTEBOOK_BYTES = 20 * 1024**2

#: Seconds a worker waits for a locked SQLite gradebook before giving up (then it is retried).
SQLITE_BUSY_SECONDS = 60

#: Seconds a worker may spend per submission of its batch before it is stopped.
SECONDS_PER_SUBMISSION_LIMIT = 600.0

#: Log fragments of failures that are not the submission's fault: such students are retried.
TRANSIENT_FAILURES = (
    "database is locked",
    "error accessing the nbgrader database",
    "Address already in use",
    "Kernel died before replying to kernel_info",
    "Too many open files",
)

_STUDENT_START = re.compile(r"Creating/updating student with ID '(?P<student>[^']*)'")
_STUDENT_DONE = re.compile(r"Setting destination file permissions")
_STUDENT_ERROR = re.compile(r"There was an error processing assignment '[^']*' for student "
                            r"'(?P<student>[^']*)'")
_CURRENT_ERROR = re.compile(r"There was an error processing assignment: ")
_EXCEPTION_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|"
                             r"Interrupt|Timeout)\b.*")
_NOISE = ("Kernel is running over TCP without encryption",)


class GradingError(RuntimeError):
    """Grading cannot start (for example: the assignment was never released)."""


@dataclass(frozen=True)
class Submission:
    """One student's submitted folder of one assignment."""

    student: str
    assignment: str
    folder: Path
    notebooks: tuple[str, ...]  # expected notebook names, without ``.ipynb``

    def notebook(self, name: str) -> Path:
        """Where the submitted notebook ``name`` should be."""
        return self.folder / f"{name}.ipynb"


PreCheck = Callable[[Submission], "str | None"]


def notebooks_present(submission: Submission) -> str | None:
    """Refuse a submission that lacks one of the assignment's notebooks (naming what it has)."""
    missing = [name for name in submission.notebooks if not submission.notebook(name).is_file()]
    if not missing:
        return None
    found = sorted(p.name for p in submission.folder.rglob("*")
                   if p.is_file() and p.name != "timestamp.txt")
    return (f"no {missing[0]}.ipynb in the submission (found: {', '.join(found) or 'nothing'}); "
            "`course-grade collect` matches renamed notebooks")


def notebooks_readable(submission: Submission) -> str | None:
    """Refuse notebooks that are too large or that nbformat cannot read."""
    for name in submission.notebooks:
        path = submission.notebook(name)
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return f"{path.name} is {size / 1024**2:.0f} MB (limit {MAX_NOTEBOOK_BYTES // 1024**2} MB)"
        try:
            nbformat.read(str(path), as_version=4)
        except Exception as error:  # noqa: BLE001 - any reason to be unreadable is reported
            detail = (str(error).strip().splitlines() or [""])[0][:120]
            return f"{path.name} is not a readable notebook ({type(error).__name__}: {detail})"
    return None


#: Checks every submission passes before it reaches nbgrader (see the module docstring).
DEFAULT_PRE_CHECKS: tuple[PreCheck, ...] = (notebooks_present, notebooks_readable)


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str  # GRADED, FAILED, REFUSED, MISSING or CURRENT
    reason: str = ""
    score: float | None = None  # after any late penalty, as exported
    max_score: float | None = None
    needs_manual_grade: bool = False
    seconds: float | None = None  # nbgrader's time on this student, from its log
    worker: int | None = None
    exit_status: int | None = None  # exit status of the nbgrader process that graded it
    attempts: int = 0
    log: str = ""  # the student's part of the worker's log, kept for failures


@dataclass
class WorkerRun:
    """One nbgrader process over a batch of students, as observed from its log."""

    worker: int
    students: tuple[str, ...]
    spawned: float = 0.0  # time.monotonic() when the process started
    ended: float = 0.0
    exit_status: int | None = None
    timed_out: bool = False
    started: dict[str, float] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)
    logs: dict[str, list[str]] = field(default_factory=dict)
    preamble: list[str] = field(default_factory=list)

    @property
    def startup_seconds(self) -> float | None:
        """Seconds from the process start to its first student: nbgrader's own start-up."""
        if not self.started:
            return None
        return min(self.started.values()) - self.spawned

    def seconds(self, student: str) -> float | None:
        """Seconds nbgrader spent on ``student`` (its start to its end in the log)."""
        if student in self.started and student in self.finished:
            return self.finished[student] - self.started[student]
        return None

    def log_of(self, student: str, lines: int = 40) -> str:
        """The last ``lines`` lines of the student's part of the log (the preamble if none)."""
        own = [line for line in self.logs.get(student, self.preamble)
               if not any(noise in line for noise in _NOISE)]
        return "\n".join(own[-lines:])


@dataclass
class GradingReport:
    """Everything a grading run did, for the summary, the failure report and benchmarks."""

    assignment: str
    workers: int
    wall_seconds: float
    outcomes: list[Outcome]
    runs: list[WorkerRun]

    def with_status(self, *statuses: str) -> list[Outcome]:
        """Outcomes with one of the given statuses, by student id."""
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def graded(self) -> list[Outcome]:
        return self.with_status(GRADED)

    @property
    def problems(self) -> list[Outcome]:
        """Submissions that could not be graded (failed or refused)."""
        return self.with_status(FAILED, REFUSED)

    @property
    def seconds_per_submission(self) -> float | None:
        """Wall time of the whole run divided by the submissions it graded."""
        return self.wall_seconds / len(self.graded) if self.graded else None

    @property
    def startup_seconds(self) -> float | None:
        """Mean start-up of nbgrader processes (spawn to first student)."""
        values = [r.startup_seconds for r in self.runs if r.startup_seconds is not None]
        return sum(values) / len(values) if values else None

    @property
    def execution_seconds(self) -> float | None:
        """Mean time nbgrader spent on one graded submission (start-up excluded)."""
        values = [o.seconds for o in self.graded if o.seconds is not None]
        return sum(values) / len(values) if values else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready record of the run."""
        return {
            "assignment": self.assignment, "workers": self.workers,
            "wall_seconds": round(self.wall_seconds, 3),
            "seconds_per_submission": self.seconds_per_submission,
            "startup_seconds": self.startup_seconds,
            "execution_seconds": self.execution_seconds,
            "outcomes": [asdict(o) for o in self.outcomes],
            "processes": [{"worker": r.worker, "students": list(r.students),
                           "exit_status": r.exit_status, "timed_out": r.timed_out,
                           "startup_seconds": r.startup_seconds,
                           "spawned": r.spawned, "ended": r.ended}  # time.monotonic()
                          for r in self.runs],
        }


# --------------------------------------------------------------------------------------------
# Finding and checking submissions


def find_submissions(settings: CourseSettings, assignment: str,
                     students: Iterable[str] | None = None) -> list[Submission]:
    """The submissions of ``assignment`` (only those of ``students`` if given), by student id."""
    notebooks = tuple(settings.notebooks(assignment))
    if students is None:
        folders = sorted(p for p in settings.submitted.glob(f"*/{assignment}") if p.is_dir())
    else:
        folders = [settings.submission(s, assignment) for s in sorted(set(students))]
        folders = [p for p in folders if p.is_dir()]
    return [Submission(p.parent.name, assignment, p, notebooks) for p in folders]


def is_current(settings: CourseSettings, submission: Submission,
               gradebook: Gradebook | None = None) -> bool:
    """True if every notebook was autograded (executed, not only copied) after the
    submission's last change and, given the gradebook, the gradebook holds a complete grade:
    a run killed halfway can leave an autograded copy that never ran, or no grade."""
    files = [p for p in submission.folder.rglob("*") if p.is_file()]
    if not files:
        return False
    changed = max(p.stat().st_mtime for p in files)
    graded = [settings.graded_notebook(submission.student, submission.assignment, name)
              for name in submission.notebooks]
    if not all(p.is_file() and p.stat().st_mtime >= changed for p in graded):
        return False
    if not all(_was_executed(p) for p in graded):
        return False
    if gradebook is None:
        return True
    state = submission_state(gradebook, submission.assignment, submission.student)
    return state is not None and state.graded


def _was_executed(path: Path) -> bool:
    try:
        cells = nbformat.read(path, as_version=4).cells
    except Exception:  # noqa: BLE001 - a half-written copy is simply not graded yet
        return False
    return any(c.get("execution_count") for c in cells if c.cell_type == "code")


def pre_check(submissions: Sequence[Submission],
              checks: Sequence[PreCheck]) -> tuple[list[Submission], list[Outcome]]:
    """Split submissions into accepted ones and refusals (the first failing check's reason)."""
    accepted, refused = [], []
    for submission in submissions:
        reason = next((r for r in (check(submission) for check in checks) if r), None)
        if reason:
            refused.append(Outcome(submission.student, REFUSED, reason=reason))
        else:
            accepted.append(submission)
    return accepted, refused


# --------------------------------------------------------------------------------------------
# Running nbgrader workers


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def worker_db_url(db_url: str, workers: int) -> str:
    """The gradebook URL for concurrent workers: SQLite waits for a lock held by another
    worker (:data:`SQLITE_BUSY_SECONDS`) instead of failing after five seconds."""
    if workers < 2 or not db_url.startswith("sqlite"):
        return db_url
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if "timeout" in url.query:
        return db_url
    return url.update_query_dict({"timeout": str(SQLITE_BUSY_SECONDS)}).render_as_string(
        hide_password=False)


def split_batches(students: Sequence[str], workers: int) -> list[tuple[str, ...]]:
    """Deal the students round-robin into at most ``workers`` non-empty batches."""
    count = max(1, min(workers, len(students)))
    return [tuple(students[k::count]) for k in range(count) if students[k::count]]


def _read_log(process: subprocess.Popen[str], run: WorkerRun,
              events: queue.Queue[tuple[str, int, str]]) -> None:
    """Follow a worker's log: note each student's start, end and errors, keep its lines."""
    current: str | None = None
    assert process.stdout is not None
    for raw in process.stdout:
        line, now = raw.rstrip("\n"), time.monotonic()
        start = _STUDENT_START.search(line)
        if start:
            if current is not None and current not in run.finished:
                run.finished[current] = now
                events.put(("done", run.worker, current))
            current = start.group("student")
            run.started[current] = now
            events.put(("start", run.worker, current))
        (run.logs.setdefault(current, []) if current is not None else run.preamble).append(line)
        if current is None:
            continue
        if _STUDENT_DONE.search(line) and current not in run.finished:
            run.finished[current] = now
            events.put(("done", run.worker, current))
        elif _CURRENT_ERROR.search(line):
            run.errors.add(current)
        failed = _STUDENT_ERROR.search(line)
        if failed:
            run.errors.add(failed.group("student"))


def _stop(process: subprocess.Popen[str], run: WorkerRun) -> None:
    """Stop a worker that ran out of time: its whole process group, politely then not.

    Kernels live in sessions of their own; they exit when they see their parent gone, and the
    grading guard's CPU limit ends them in any case.
    """
    run.timed_out = True
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_worker(settings: CourseSettings, assignment: str, batch: Sequence[str],
               exclude: Iterable[str], *, worker: int = 0, db_url: str | None = None,
               nbgrader_args: Sequence[str] = (), time_limit: float | None = None,
               events: queue.Queue[tuple[str, int, str]] | None = None) -> WorkerRun:
    """Run one ``nbgrader autograde`` process over ``batch`` and observe it.

    Parameters
    ----------
    batch
        Students this process grades.
    exclude
        Every other student with a submission folder: nbgrader skips them.
    db_url
        Gradebook URL to pass to nbgrader (default: the course's).
    nbgrader_args
        Extra nbgrader options (kernel limits, ...).
    time_limit
        Seconds after which the process (and its kernels' group) is stopped.
    events
        Queue receiving ``("start" | "done", worker, student)`` as the log shows them.
    """
    events = events if events is not None else queue.Queue()
    excluded = sorted(set(exclude) - set(batch))
    args = ["autograde", assignment, "--force"]
    if excluded:
        args.append(f"--CourseDirectory.student_id_exclude={','.join(excluded)}")
    if db_url and db_url != settings.db_url:
        args.append(f"--CourseDirectory.db_url={db_url}")
    run = WorkerRun(worker=worker, students=tuple(batch))
    run.spawned = time.monotonic()
    process = subprocess.Popen(
        nbgrader_command(*args, *nbgrader_args), cwd=settings.root, env=nbgrader_environment(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        errors="replace", start_new_session=True,
    )
    timer = threading.Timer(time_limit, _stop, args=(process, run)) if time_limit else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        _read_log(process, run, events)
        run.exit_status = process.wait()
    finally:
        if timer:
            timer.cancel()
        run.ended = time.monotonic()
    events.put(("exit", worker, ""))
    return run


def _dispatch(settings: CourseSettings, assignment: str, students: Sequence[str],
              everyone: Sequence[str], *, workers: int, nbgrader_args: Sequence[str],
              on_event: Callable[[str, int, str], None], first_worker: int = 0,
              ) -> list[WorkerRun]:
    """Grade ``students`` with up to ``workers`` concurrent nbgrader processes."""
    batches = split_batches(students, workers)
    db_url = worker_db_url(settings.db_url, len(batches))
    events: queue.Queue[tuple[str, int, str]] = queue.Queue()
    runs: list[WorkerRun | None] = [None] * len(batches)

    def work(index: int) -> None:
        batch = batches[index]
        limit = SECONDS_PER_SUBMISSION_LIMIT * len(batch) + 60
        try:
            runs[index] = run_worker(settings, assignment, batch, everyone,
                                     worker=first_worker + index, db_url=db_url,
                                     nbgrader_args=nbgrader_args, time_limit=limit,
                                     events=events)
        except Exception as error:  # noqa: BLE001 - the process could not even start
            failed = WorkerRun(worker=first_worker + index, students=batch)
            failed.preamble.append(f"could not start nbgrader: {type(error).__name__}: {error}")
            runs[index] = failed
            events.put(("exit", first_worker + index, ""))

    threads = [threading.Thread(target=work, args=(k,), daemon=True)
               for k in range(len(batches))]
    for thread in threads:
        thread.start()
    running = len(threads)
    while running:
        kind, worker, student = events.get()
        if kind == "exit":
            running -= 1
        on_event(kind, worker, student)
    for thread in threads:
        thread.join()
    return [run for run in runs if run is not None]


# --------------------------------------------------------------------------------------------
# Verifying and reporting


def _failure_reason(run: WorkerRun, student: str) -> str:
    """One line saying why nbgrader did not grade ``student``."""
    if student not in run.started:
        if run.timed_out:
            return "never reached: its grading process ran out of time on another submission"
        detail = run.log_of(student, lines=3).splitlines()
        return "nbgrader never reached this submission" + (f" ({detail[-1].strip()})"
                                                            if detail else "")
    if run.timed_out and student not in run.finished:
        return "grading ran out of time and its process was stopped"
    lines = run.logs.get(student, [])
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line) and "NbGraderException" not in line:
            return line.strip()
    for line in reversed(lines):
        if "| ERROR]" in line and "There was an error processing" not in line \
                and "Please see" not in line:
            return line.split("]", 1)[-1].strip()
    return "nbgrader did not grade it (see the log excerpt)"


def _is_transient(run: WorkerRun, student: str) -> bool:
    """True if the failure is not the submission's fault, so grading it again may succeed."""
    if student not in run.started:
        return True
    if run.timed_out:
        return False
    text = "\n".join(run.logs.get(student, []))
    return any(fragment in text for fragment in TRANSIENT_FAILURES)


def _graded_now(settings: CourseSettings, assignment: str, notebooks: Sequence[str],
                students: Sequence[str], since: float) -> set[str]:
    """Students whose gradebook entry is complete and whose notebooks were written after
    ``since`` (a ``time.time()``)."""
    done = set()
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        for student in students:
            files = [settings.graded_notebook(student, assignment, name) for name in notebooks]
            if not all(p.is_file() and p.stat().st_mtime >= since - 1.0 for p in files):
                continue
            state = submission_state(gradebook, assignment, student)
            if state is not None and state.graded:
                done.add(student)
    return done


def _fill_scores(settings: CourseSettings, assignment: str, outcomes: list[Outcome]) -> None:
    """Add final scores from the gradebook to the graded outcomes."""
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        for outcome in outcomes:
            if outcome.status not in (GRADED, CURRENT):
                continue
            state = submission_state(gradebook, assignment, outcome.student)
            if state is not None:
                outcome.score, outcome.max_score = state.score, state.max_score
                outcome.needs_manual_grade = state.needs_manual_grade


def _prepare_gradebook(settings: CourseSettings, assignment: str,
                       students: Sequence[str]) -> list[str]:
    """Check the assignment is released and add unknown students; return the class list."""
    from nbgrader.api import MissingEntry

    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"{assignment} is not in the gradebook: release it first "
                               f"(`course-grade release {assignment}`)") from None
    ensure_students(settings.db_url, settings.course_id, students)
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        return sorted(s.id for s in gradebook.students)


def _plan(settings: CourseSettings, assignment: str, students: Iterable[str] | None,
          only_new: bool, pre_checks: Sequence[PreCheck],
          ) -> tuple[list[str], list[str], dict[str, Outcome]]:
    """Decide who is graded: ``(to grade, every submission folder, outcomes of the others)``."""
    if not settings.notebooks(assignment):
        raise GradingError(f"there is no assignment {assignment} in {settings.source}")
    everyone = sorted(p.parent.name for p in settings.submitted.glob(f"*/{assignment}"))
    if any("," in name for name in everyone):  # nbgrader's exclusion list is comma-separated
        raise GradingError("student folders may not contain commas: "
                           + ", ".join(n for n in everyone if "," in n))
    submissions = find_submissions(settings, assignment, students)
    outcomes: dict[str, Outcome] = {}
    if only_new:
        with open_gradebook(settings.db_url, settings.course_id) as gradebook:
            for submission in submissions:
                if is_current(settings, submission, gradebook):
                    outcomes[submission.student] = Outcome(submission.student, CURRENT)
        submissions = [s for s in submissions if s.student not in outcomes]
    accepted, refused = pre_check(submissions, pre_checks)
    outcomes.update((o.student, o) for o in refused)
    class_list = _prepare_gradebook(settings, assignment, [s.student for s in accepted])
    handed_in = {s.student for s in submissions} | set(outcomes)
    wanted = class_list if students is None else sorted(set(students))
    for student in wanted:
        if student not in handed_in and not settings.submission(student, assignment).is_dir():
            outcomes[student] = Outcome(student, MISSING, reason="no submission")
    return [s.student for s in accepted], everyone, outcomes


def _verify(settings: CourseSettings, assignment: str, runs: list[WorkerRun], since: float,
            attempts: dict[str, int]) -> tuple[list[Outcome], list[str]]:
    """Outcomes of one round of workers, and the students worth grading again."""
    students = [student for run in runs for student in run.students]
    graded = _graded_now(settings, assignment, settings.notebooks(assignment), students, since)
    outcomes, again = [], []
    for run in runs:
        for student in run.students:
            attempts[student] = attempts.get(student, 0) + 1
            outcome = Outcome(student, GRADED if student in graded else FAILED,
                              seconds=run.seconds(student), worker=run.worker,
                              exit_status=run.exit_status, attempts=attempts[student])
            if outcome.status == FAILED:
                outcome.reason = _failure_reason(run, student)
                outcome.log = run.log_of(student)
                if _is_transient(run, student):
                    again.append(student)
            outcomes.append(outcome)
    return outcomes, sorted(again)


def grade_class(settings: CourseSettings, assignment: str, *,
                students: Iterable[str] | None = None, workers: int | None = None,
                only_new: bool = False, pre_checks: Sequence[PreCheck] = DEFAULT_PRE_CHECKS,
                nbgrader_args: Sequence[str] = (), retry: bool = True,
                progress: bool | IO[str] = True) -> GradingReport:
    """Autograde the submissions of ``assignment`` in parallel; see the module docstring.

    Parameters
    ----------
    settings
        The course (see :func:`autograde.course.course_settings`).
    students
        Only these students (default: every submission; the whole class list is then also
        reported, students without a submission as missing).
    workers
        Concurrent nbgrader processes (default: one per core).
    only_new
        Skip submissions already autograded since they last changed.
    pre_checks
        Checks a submission must pass before it reaches nbgrader.
    nbgrader_args
        Extra options for every nbgrader process (e.g. kernel limits).
    retry
        Grade once more, alone, the students that failed for reasons outside the submission.
    progress
        Show a progress bar on standard error (``True``), on the given stream, or not at all.

    Raises
    ------
    GradingError
        If the assignment does not exist or was never released.
    """
    from tqdm import tqdm

    begin = time.monotonic()
    workers = workers or default_workers()
    pending, everyone, outcomes = _plan(settings, assignment, students, only_new, pre_checks)
    bar = tqdm(total=len(pending), desc=f"grading {assignment}", unit="submission",
               disable=progress is False, dynamic_ncols=True,
               file=None if isinstance(progress, bool) else progress)
    counted: set[str] = set()

    def count(student: str) -> None:
        if student not in counted:
            counted.add(student)
            bar.update(1)

    def on_event(kind: str, worker: int, student: str) -> None:
        if kind == "done":
            count(student)

    runs: list[WorkerRun] = []
    attempts: dict[str, int] = {}
    for round_ in range(2 if retry else 1):
        if not pending:
            break
        since = time.time()
        round_runs = _dispatch(settings, assignment, pending, everyone,
                               workers=workers if round_ == 0 else 1,
                               nbgrader_args=nbgrader_args, first_worker=len(runs),
                               on_event=on_event)
        runs.extend(round_runs)
        round_outcomes, again = _verify(settings, assignment, round_runs, since, attempts)
        outcomes.update((o.student, o) for o in round_outcomes)
        for student in pending:  # students the bar never saw finish
            count(student)
        pending = again
        if pending:  # graded once more: back on the bar
            counted.difference_update(pending)
            bar.total += len(pending)
            bar.refresh()
    bar.close()

    ordered = [outcomes[s] for s in sorted(outcomes)]
    _fill_scores(settings, assignment, ordered)
    return GradingReport(assignment=assignment, workers=workers,
                         wall_seconds=time.monotonic() - begin, outcomes=ordered, runs=runs)


def summary_table(report: GradingReport) -> str:
    """A per-student table: status, score, seconds, and the reason when not graded."""
    rows = [("student", "status", "score", "seconds", "note")]
    for o in report.outcomes:
        score = (f"{o.score:g}/{o.max_score:g}" if o.score is not None and o.max_score else "")
        note = o.reason or ("written answers to mark" if o.needs_manual_grade else "")
        rows.append((o.student, o.status, score,
                     f"{o.seconds:.1f}" if o.seconds is not None else "", note))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)).rstrip()
             + ("  " + row[4] if row[4] else "") for row in rows]
    counts = {s: len(report.with_status(s)) for s in (GRADED, CURRENT, FAILED, REFUSED, MISSING)}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    per = report.seconds_per_submission
    timing = (f"{report.wall_seconds:.1f} s with {report.workers} worker(s)"
              + (f", {per:.2f} s per graded submission" if per else ""))
    return "\n".join(lines + ["", f"{report.assignment}: {tally}; {timing}"])


def failure_report(report: GradingReport) -> str:
    """Every submission that could not be graded, why, and the end of its log."""
    problems = report.problems
    if not problems:
        return "Every submission was graded."
    parts = [f"{len(problems)} submission(s) could not be graded:"]
    for o in problems:
        parts.append(f"\n- {o.student}: {o.status}: {o.reason}")
        if o.status == FAILED:
            parts.append(f"  nbgrader exit status {o.exit_status}, worker {o.worker}, "
                         f"{o.attempts} attempt(s); end of its log:")
            parts.extend("    | " + line for line in o.log.splitlines()[-15:])
    return "\n".join(parts)


def save_report(report: GradingReport, settings: CourseSettings) -> Path:
    """Write the run's JSON record under ``autograde/reports/`` and return its path."""
    settings.reports.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = settings.reports / f"grade-{report.assignment}-{stamp}.json"
    path.write_text(json.dumps(report.to_json(), indent=1, default=str))
    return path
