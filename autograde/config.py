"""The course's nbgrader settings, shared by ``nbgrader_config.py`` and the test suite.

The repository root is nbgrader's course directory: ``solutions/`` is the source directory,
``lessons/`` the release directory, and everything a class produces (submissions, autograded
notebooks, feedback and the gradebook) lives under ``autograde/``, which git ignores.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from phaselab.sandbox import kernel_start_line

#: Seconds a single cell may run while grading before the kernel is interrupted.
CELL_TIMEOUT_S = 60

#: Environment variable that moves the gradebook, e.g. to PostgreSQL.
DB_URL_VARIABLE = "PHASELAB_GRADEBOOK_URL"


def default_db_url(root: Path) -> str:
    """Return the gradebook URL: ``$PHASELAB_GRADEBOOK_URL`` or SQLite under ``autograde/``."""
    url = os.environ.get(DB_URL_VARIABLE, "").strip()
    if url:
        return url
    return f"sqlite:///{(root / 'autograde' / 'gradebook.db').as_posix()}"


def configure(c: Any, root: str | os.PathLike[str], db_url: str | None = None) -> None:
    """Apply the course settings to a traitlets config object ``c``.

    Parameters
    ----------
    c
        The config object nbgrader passes to ``nbgrader_config.py``.
    root
        The course directory (the repository root, or a scratch copy in tests).
    db_url
        Gradebook URL; defaults to :func:`default_db_url`.
    """
    root = Path(root).resolve()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = "phase-transitions"
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "lessons"
    c.CourseDirectory.submitted_directory = "autograde/submitted"
    c.CourseDirectory.autograded_directory = "autograde/autograded"
    c.CourseDirectory.feedback_directory = "autograde/feedback"
    c.CourseDirectory.db_url = db_url or default_db_url(root)
    # Only notebooks are assignment files: nothing else under solutions/ may reach students
    # or be copied over their work at grading time.
    c.CourseDirectory.ignore = [
        ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py", "*.md", "*.csv",
    ]

    # Student versions: the usual stubs.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

    # Grading: one kernel per notebook, forced to the course's Python kernel whatever the
    # submitted metadata says, with a per-cell time limit.
    c.Execute.timeout = CELL_TIMEOUT_S
    c.Execute.kernel_name = "python3"
    c.Execute.interrupt_on_timeout = True
    # Before any cell, the kernel arms phaselab's guard: it undoes tampering before every cell,
    # refuses process creation, native code and reads of solutions/ and the gradebook, and
    # sets CPU, memory and file-size limits (see phaselab/sandbox.py).
    c.Execute.extra_arguments = [
        "--HistoryManager.hist_file=:memory:",
        f"--IPKernelApp.exec_lines={kernel_start_line(root)}",
    ]

    # Feedback never shows the source of hidden tests: nbgrader's default feedback keeps them
    # in the test cells, and tracebacks quote them around a failing line.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        "nbgrader.preprocessors.ClearHiddenTests",
        "autograde.preprocessors.ShortenTracebacks",
    ]
