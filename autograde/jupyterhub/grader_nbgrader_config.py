"""nbgrader settings of the grading account: install as ~grader-phase-transitions/.jupyter/
nbgrader_config.py (setup.sh does it).

The formgrader, started by the hub as the course's service, then works on the course directory
with exactly the settings of the repository's own nbgrader_config.py (autograde/config.py):
lessons in lessons/, sources in solutions/, class work and the gradebook under autograde/, or
the gradebook on PostgreSQL when the service's environment sets PHASELAB_GRADEBOOK_URL.
"""

from pathlib import Path

from autograde.config import configure

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

configure(c, root=Path.home() / "phase-transitions")
