"""Run the benchmarks and write ``results.json`` and ``RESULTS.md``.

Usage (from the repository root)::

    python -m benchmarks.run                 # everything (make bench), about 10-15 minutes
    python -m benchmarks.run --quick         # few repeats, a subset: checks that it all works
    python -m benchmarks.run --only grokking --only widgets
    python -m benchmarks.run --full          # also the whole test suite and a whole FULL run

Groups: ``notebooks``, ``grokking``, ``widgets``, ``grading``, ``tests``. With ``--only``, the
figures of the other groups are carried over from the existing ``results.json`` with their
own dates. ``--quick`` skips the ``tests`` group unless it is asked for with ``--only``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from benchmarks import grading, grokking, notebooks, testsuite, widgets
from benchmarks.core import BENCH_DIR, NOT_MEASURED, Figure, Settings, not_measured
from benchmarks.report import (
    carried_over,
    machine_info,
    read_json,
    results_document,
    validate,
    write_json,
    write_markdown,
)

#: The figure groups, in report order.
GROUPS: dict[str, ModuleType] = {
    module.GROUP: module for module in (notebooks, grokking, widgets, grading, testsuite)
}

#: Groups a ``--quick`` run leaves out unless named with ``--only``.
SKIPPED_WHEN_QUICK: tuple[str, ...] = (testsuite.GROUP,)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Measure how fast the course runs and grades; write results.json and "
                    "RESULTS.md.")
    parser.add_argument("--quick", action="store_true",
                        help="few repeats and a subset of each group (checks the benchmarks)")
    parser.add_argument("--full", action="store_true",
                        help="also run the whole test suite and a whole FULL grokking run")
    parser.add_argument("--only", action="append", choices=list(GROUPS), metavar="GROUP",
                        help=f"measure only this group (repeatable): {', '.join(GROUPS)}")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats of every measurement (overrides each group's default)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR,
                        help="folder for results.json and RESULTS.md (default: benchmarks/)")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def selected_groups(only: Sequence[str] | None, quick: bool) -> list[str]:
    """The groups to measure, in report order."""
    if only:
        return [name for name in GROUPS if name in set(only)]
    return [name for name in GROUPS if not (quick and name in SKIPPED_WHEN_QUICK)]


def placeholders(present: Sequence[str], *, quick: bool) -> list[Figure]:
    """A not-measured figure for each group that has no figure at all, saying why."""
    return [not_measured(name, f"{name} (whole group)", "s",
                         "Skipped by `--quick`; run `python -m benchmarks.run --only "
                         f"{name}` to measure it." if quick and name in SKIPPED_WHEN_QUICK
                         else "Not measured yet: not selected with `--only`.")
            for name in GROUPS if name not in set(present)]


def run_group(name: str, settings: Settings, previous: dict | None) -> list[Figure]:
    """Measure one group; a crash becomes a not-measured figure instead of ending the run."""
    module = GROUPS[name]
    start = time.perf_counter()
    settings.log(f"group {name}: start")
    try:
        figures = (module.run(settings, previous=previous) if module is testsuite
                   else module.run(settings))
    except Exception as error:  # noqa: BLE001 - one broken group must not lose the others
        traceback.print_exc(file=sys.stderr)
        figures = [not_measured(name, f"{name} (whole group)", "s",
                                f"The benchmark failed: {type(error).__name__}: {error}")]
    settings.log(f"group {name}: done in {time.perf_counter() - start:.0f} s")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected groups and write the results; return the exit code."""
    args = parse_args(argv)
    if args.list:
        for name, module in GROUPS.items():
            print(f"{name:10s} {module.TITLE}")
        return 0
    settings = Settings(quick=args.quick, full=args.full, repeats=args.repeats,
                        verbose=not args.quiet)
    groups = selected_groups(args.only, args.quick)
    json_path, md_path = args.output / "results.json", args.output / "RESULTS.md"
    previous = read_json(json_path)
    machine = machine_info()  # before measuring: the load average says how busy it was

    measured: list[Figure] = []
    for name in groups:
        measured += run_group(name, settings, previous)
    kept = carried_over(previous, groups, GROUPS)
    kept += placeholders([*groups, *(f.group for f in kept)], quick=args.quick)
    figures = [f for name in GROUPS for f in measured + kept if f.group == name]

    command = "python -m benchmarks.run" + "".join(
        f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:]))
    document = results_document(
        figures, machine=machine,
        settings={"quick": args.quick, "full": args.full, "repeats": args.repeats,
                  "groups_measured": groups, "command": command},
        groups={name: {"title": module.TITLE, "description": module.DESCRIPTION}
                for name, module in GROUPS.items()},
    )
    problems = validate(document)
    if problems:
        print("results are malformed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    write_json(document, json_path)
    write_markdown(document, md_path)
    verdicts = [f.verdict for f in measured]
    print(f"wrote {json_path} and {md_path}: {len(measured)} figures measured "
          f"({verdicts.count('meets')} meet, {verdicts.count('misses')} miss, "
          f"{verdicts.count(NOT_MEASURED)} not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
