"""Locate the course's data files from any working directory.

Notebooks run from ``lessons/NN-topic/``, ``solutions/NN-topic/`` or, while grading, from a
student's folder deep under ``autograde/``. :func:`data_path` finds ``data/`` by walking up from
the working directory (or takes ``PHASELAB_DATA``), so every copy of a lesson reads the same file.
"""

from __future__ import annotations

import csv
import os
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
