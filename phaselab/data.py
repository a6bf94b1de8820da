"""Locate the course's data files from any working directory.

Notebooks run from ``lessons/NN-topic/``, ``solutions/NN-topic/`` or, while grading, from a
student's folder deep under ``autograde/``. :func:`data_path` finds ``data/`` by walking up from
the working directory (or takes ``PHASELAB_DATA``), so every copy of a lesson reads the same file.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

DATA_VARIABLE = "PHASELAB_DATA"
_MARKER = "README.md"


def data_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the course's ``data/`` directory.

    Parameters
    ----------
    start
        Where to start looking (default: the working directory).

    Raises
    ------
    FileNotFoundError
        If neither ``PHASELAB_DATA`` nor any parent of ``start`` holds ``data/README.md``.
    """
    override = os.environ.get(DATA_VARIABLE, "").strip()
    if override:
        return Path(override)
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data"
        if (candidate / _MARKER).is_file():
            return candidate
    package_root = Path(__file__).resolve().parent.parent / "data"
    if (package_root / _MARKER).is_file():
        return package_root
    raise FileNotFoundError(
        "The course's data/ folder was not found above "
        f"{here}; set {DATA_VARIABLE} to its location."
    )


def data_path(name: str) -> Path:
    """Return the path of a data file, e.g. ``data_path("scaling_sweep.csv")``."""
    path = data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"No data file {name!r} in {path.parent}.")
    return path


def read_csv(name: str) -> dict[str, list[str]]:
    """Read a CSV data file into columns of strings, skipping ``#`` comment lines."""
    with data_path(name).open(newline="", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.lstrip().startswith("#")]
    reader = csv.DictReader(rows)
    columns: dict[str, list[str]] = {field: [] for field in reader.fieldnames or []}
    for row in reader:
        for field in columns:
            columns[field].append(row[field])
    return columns


def csv_text(header: str, fields: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    """A data file's text: its ``#`` comment ``header``, the column names and the rows."""
    import io

    buffer = io.StringIO()
    buffer.write(header)
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a CSV data file as dicts of strings, ``#`` comment lines skipped."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def data_script(argv: Sequence[str] | None, *, description: str, output: Path,
                make: Callable[[], str], check: Callable[[Path], list[str]]) -> int:
    """The command line shared by the scripts in ``data/``: write the file, or check it.

    Both run with one BLAS thread, so the numbers do not depend on the machine's core count.

    Parameters
    ----------
    argv
        Command-line arguments (default: ``sys.argv[1:]``).
    description
        What the script makes, for ``--help``.
    output
        The data file's default path.
    make
        Runs the whole experiment and returns the file's text.
    check
        Regenerates a small part and returns the differences from the stored file (if none,
        the file reproduces).

    Returns
    -------
    int
        The exit status: 0, or 1 if ``--check`` found differences.
    """
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="regenerate a small part and compare it with the stored file")
    parser.add_argument("--output", type=Path, default=output,
                        help="the data file (default: %(default)s)")
    args = parser.parse_args(argv)
    with threadpool_limits(limits=1):
        if args.check:
            problems = check(args.output)
            for problem in problems:
                print(f"MISMATCH: {problem}", file=sys.stderr)
            verdict = "check failed" if problems else "check passed: the file reproduces"
            print(f"{args.output.name}: {verdict}")
            return 1 if problems else 0
        text = make()
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
