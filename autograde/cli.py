"""``course-grade``: the instructor's commands, from release to grades.

Run ``course-grade --help`` or ``course-grade COMMAND --help``; ``autograde/GUIDE.md`` walks
through a whole term. Every command works on the course directory given by ``--course``
(default: the current directory if it holds ``nbgrader_config.py``, else this repository).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograde.course import REPO_ROOT, CourseSettings, course_settings


def _course_root(value: str | None) -> Path:
    if value:
        return Path(value)
    here = Path.cwd()
    return here if (here / "nbgrader_config.py").is_file() else REPO_ROOT


def _release(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.release import parse_due, release_assignment

    due = parse_due(args.due) if args.due else None
    for line in release_assignment(settings, args.assignment, due=due, exchange=args.exchange,
                                   folder=args.to_folder):
        print(line)
    return 0


def _roster(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.roster import import_roster, read_roster

    students = read_roster(args.csv)
    added, updated = import_roster(students, settings.db_url, settings.course_id)
    print(f"{len(students)} students: {added} added, {updated} updated")
    return 0


def _collect(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde import collect
    from autograde.roster import class_list, read_roster

    if args.from_folder:
        students = (read_roster(args.roster) if args.roster
                    else class_list(settings.db_url, settings.course_id))
        times = collect.read_timestamps(args.timestamps) if args.timestamps else None
        report = collect.collect_from_folder(settings, args.assignment, args.from_folder,
                                             students, times)
    else:
        report = collect.collect_from_exchange(settings, args.assignment, args.exchange)
    print(report.text())
    return 1 if report.unmatched else 0


def _grade(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.grading import failure_report, save_report, summary_table
    from autograde.safety import grade_safely

    report = grade_safely(settings, args.assignment, students=args.student or None,
                          workers=args.workers, only_new=args.new,
                          nbgrader_args=args.nbgrader_arg or (), progress=not args.no_progress)
    print(summary_table(report))
    print()
    print(failure_report(report))
    print(f"\nreport: {save_report(report, settings)}")
    return 1 if report.problems else 0


def _feedback(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.feedback import generate_feedback

    report = generate_feedback(settings, args.assignment, args.student, args.exchange)
    print(report.text())
    print(f"pages under {settings.feedback}")
    return 0


def _export(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.export import export_grades

    for path in export_grades(settings, args.out, args.assignment or None):
        print(f"wrote {path}")
    return 0


def _regrade(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.grading import failure_report, summary_table
    from autograde.regrade import regrade

    report = regrade(settings, args.assignment, students=args.student or None,
                     exercise=args.exercise, workers=args.workers,
                     nbgrader_args=args.nbgrader_arg or (), progress=not args.no_progress)
    print(summary_table(report.grading))
    print(failure_report(report.grading))
    print(report.text())
    return 1 if report.grading.problems else 0


def _rubric(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde import notebooks

    found = False
    for name in settings.notebooks(args.assignment):
        source = notebooks.read(settings.source / args.assignment / f"{name}.ipynb")
        rubrics = notebooks.rubrics(source)
        cells = list(source.cells)
        for grade_id, text in rubrics.items():
            found = True
            index = next(k for k, c in enumerate(cells)
                         if notebooks.nbgrader_meta(c).get("grade_id") == grade_id)
            points = notebooks.nbgrader_meta(cells[index]).get("points", 0)
            question = cells[index - 1].source.strip() if index > 0 else ""
            print(f"## {name} / {grade_id} ({points:g} points)\n")
            if question:
                print(f"Question:\n{question}\n")
            print(f"{text}\n")
    if not found:
        print(f"{args.assignment} has no written answers.")
    return 0


def _progress(settings: CourseSettings, args: argparse.Namespace) -> int:
    from autograde.progress import progress_table, student_progress

    rows = student_progress(args.lessons, args.lesson or None, course_root=settings.root)
    print(progress_table(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``course-grade`` command line."""
    parser = argparse.ArgumentParser(
        prog="course-grade",
        description="Teach the course to a class with nbgrader: release, collect, grade in "
                    "parallel, feedback, grades. See autograde/GUIDE.md.")
    parser.add_argument("--course", metavar="DIR",
                        help="course directory (default: here if it has nbgrader_config.py, "
                             "else the repository)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    exchange_help = ("use nbgrader's exchange (optionally at this root instead of the "
                     "configured one)")
    sub = command("release", _release, "record an assignment in the gradebook and hand it out")
    sub.add_argument("assignment")
    sub.add_argument("--due", help="due date, e.g. '2025-03-01 17:00' (UTC unless an offset "
                                   "like +01:00 is given)")
    sub.add_argument("--exchange", nargs="?", const="", metavar="ROOT", help=exchange_help)
    sub.add_argument("--to-folder", type=Path, metavar="DIR",
                     help="also copy the lesson (and a zip of it) here, to upload to an LMS")

    sub = command("roster", _roster, "import the class roster from a CSV file")
    sub.add_argument("csv", type=Path, help="columns: id, first_name, last_name, email")

    sub = command("collect", _collect, "bring submissions into autograde/submitted/")
    sub.add_argument("assignment")
    source = sub.add_mutually_exclusive_group()
    source.add_argument("--exchange", nargs="?", const="", metavar="ROOT", help=exchange_help)
    source.add_argument("--from-folder", type=Path, metavar="DIR",
                        help="a download from an LMS: notebooks, zips or folders named by "
                             "student")
    sub.add_argument("--roster", type=Path, help="roster CSV to match names with (default: "
                                                 "the students in the gradebook)")
    sub.add_argument("--timestamps", type=Path,
                     help="CSV of student_id,timestamp submission times (for late handling)")

    def grading_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("assignment")
        sub.add_argument("--student", action="append", metavar="ID",
                         help="only this student (repeatable)")
        sub.add_argument("--workers", type=int, help="parallel nbgrader processes (default: "
                                                     "one per core)")
        sub.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub.add_argument("--nbgrader-arg", action="append", metavar="OPTION",
                         help="extra nbgrader option for every worker, e.g. "
                              "--nbgrader-arg=--Execute.timeout=30")

    sub = command("grade", _grade, "autograde submissions in parallel, with progress and a "
                                   "report; tampered notebooks are rebuilt from the release, "
                                   "hung or crashed kernels recovered (autograde/SECURITY.md)")
    grading_options(sub)
    sub.add_argument("--new", action="store_true",
                     help="skip submissions already graded since they last changed (use it "
                          "to finish an interrupted run)")

    sub = command("regrade", _regrade, "grade again: one student (--student) or one exercise "
                                       "after correcting its test (--exercise)")
    grading_options(sub)
    sub.add_argument("--exercise", metavar="GRADE_ID",
                     help="grade id of a test cell: refresh it from solutions/ and report its "
                          "changed scores")

    sub = command("feedback", _feedback, "write feedback pages (hidden tests never shown)")
    sub.add_argument("assignment")
    sub.add_argument("--student", metavar="ID", help="only this student")
    sub.add_argument("--exchange", nargs="?", const="", metavar="ROOT",
                     help="also release the feedback through nbgrader's exchange")

    sub = command("export", _export, "write grades.csv and grades-by-exercise.csv")
    sub.add_argument("assignment", nargs="*", help="only these assignments (default: all)")
    sub.add_argument("--out", type=Path, metavar="DIR", help="folder (default: autograde/)")

    sub = command("rubric", _rubric, "print the rubrics of an assignment's written answers")
    sub.add_argument("assignment")

    sub = command("progress", _progress, "a learner's progress: which exercises pass their "
                                         "visible tests")
    sub.add_argument("lesson", nargs="*", help="only these lessons (default: all)")
    sub.add_argument("--lessons", type=Path, metavar="DIR",
                     help="the folder of the learner's lessons (default: lessons/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``course-grade``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = course_settings(_course_root(args.course))
        return args.handler(settings, args)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"course-grade {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
