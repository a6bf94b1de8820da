"""Timing class grading: seconds per submission, serially and with parallel workers.

For the course's benchmark::

    from autograde.benchmark import benchmark_grading

    result = benchmark_grading("00-orientation", students=16, workers=(1, 2))
    result.to_json()   # seconds per submission, start-up vs execution, speed-up

A scratch copy of the course receives ``students`` submissions of the reference answers (a
complete, typical piece of work); the same class is then graded once per entry of ``workers``
with :func:`autograde.grading.grade_class`. nbgrader's start-up (paid once per worker process)
is reported apart from the time spent on each submission (kernel, cells, saving grades), and
the CPU time per submission is measured too: on a machine shared with other work, wall times
grow but CPU time does not.
"""

from __future__ import annotations

import os
import resource
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograde import notebooks
from autograde.course import REPO_ROOT, course_settings, make_scratch_course, notebook_name
from autograde.grading import default_workers, grade_class
from autograde.release import release_assignment


@dataclass(frozen=True)
class GradingTiming:
    """One grading run of the benchmark class."""

    workers: int
    submissions: int
    wall_seconds: float
    seconds_per_submission: float
    startup_seconds: float  # mean nbgrader start-up of one worker process
    execution_seconds: float  # mean time nbgrader spends on one submission
    cpu_seconds_per_submission: float  # CPU time of nbgrader and its kernels, per submission:
    # unlike wall times, it does not grow when other programs share the machine


@dataclass
class GradingBenchmark:
    """Timings of the same class graded with different numbers of workers."""

    assignment: str
    students: int
    cores: int
    load_average: tuple[float, float, float]
    timings: list[GradingTiming] = field(default_factory=list)

    def speedup(self, workers: int) -> float | None:
        """Serial wall time over the wall time with ``workers`` (needs a 1-worker run)."""
        serial = next((t for t in self.timings if t.workers == 1), None)
        other = next((t for t in self.timings if t.workers == workers), None)
        if serial is None or other is None or other.wall_seconds == 0:
            return None
        return serial.wall_seconds / other.wall_seconds

    def to_json(self) -> dict:
        record = asdict(self)
        record["speedup"] = {t.workers: self.speedup(t.workers) for t in self.timings}
        return record


def _children_cpu_seconds() -> float:
    """User and system CPU time of every finished child process (and their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def benchmark_grading(assignment: str = "00-orientation", *, students: int = 16,
                      workers: Sequence[int | None] = (1, None),
                      repo: Path = REPO_ROOT) -> GradingBenchmark:
    """Grade ``students`` reference submissions of ``assignment`` once per entry of
    ``workers`` (``None``: one per core) and time each run.

    Raises
    ------
    RuntimeError
        If a submission is not graded: the timings would be meaningless.
    """
    counts = [w or default_workers() for w in workers]
    result = GradingBenchmark(assignment, students, default_workers(), os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        course = make_scratch_course(Path(scratch), [assignment], repo=repo)
        settings = course_settings(course.root)
        release_assignment(settings, assignment)
        solution = notebooks.read(settings.source / assignment / notebook_name(assignment))
        submission = notebooks.fill_answers(notebooks.read(course.release(assignment)),
                                            notebooks.reference_answers(solution))
        for k in range(students):
            notebooks.write(submission, course.submitted(f"student{k:03d}", assignment))
        for count in counts:
            cpu_before = _children_cpu_seconds()
            report = grade_class(settings, assignment, workers=count, progress=False)
            cpu = _children_cpu_seconds() - cpu_before
            if len(report.graded) != students:
                raise RuntimeError("the benchmark class was not fully graded:\n"
                                   + "\n".join(f"{o.student}: {o.reason}"
                                               for o in report.problems))
            result.timings.append(GradingTiming(
                workers=count, submissions=students, wall_seconds=report.wall_seconds,
                seconds_per_submission=report.seconds_per_submission or 0.0,
                startup_seconds=report.startup_seconds or 0.0,
                execution_seconds=report.execution_seconds or 0.0,
                cpu_seconds_per_submission=cpu / students))
    return result


if __name__ == "__main__":
    import json
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    print(json.dumps(benchmark_grading(students=size).to_json(), indent=1))
