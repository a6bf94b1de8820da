"""nbgrader configuration: the repository root is the course directory.

All settings live in :mod:`autograde.config` so that the tests grade with exactly the same ones.
Set ``PHASELAB_GRADEBOOK_URL`` (e.g. ``postgresql+psycopg2://grader@/course?host=/run/pg``) to
move the gradebook from SQLite to a database server.
"""

from pathlib import Path

from autograde.config import configure

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
configure(c, root=Path(__file__).resolve().parent)
