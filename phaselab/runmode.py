"""How the current kernel is being run: by a learner, in full mode, or by the grader.

nbgrader sets ``NBGRADER_EXECUTION`` (``"autograde"`` or ``"validate"``) in the kernel it starts.
Lessons skip demonstrations that no test depends on when :func:`grading` is true, so grading a
submission takes seconds. ``PHASELAB_FULL=1`` asks for the slower, textbook-sized demos.
"""

from __future__ import annotations

import os

GRADING_VARIABLE = "NBGRADER_EXECUTION"
FULL_MODE_VARIABLE = "PHASELAB_FULL"


def grading() -> bool:
    """Return True when nbgrader is executing the notebook (autograde or validate)."""
    return bool(os.environ.get(GRADING_VARIABLE, "").strip())


def full_mode() -> bool:
    """Return True when the learner asked for the full, slower demonstrations."""
    return os.environ.get(FULL_MODE_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def run_demos() -> bool:
    """Return True when optional demonstrations should run (everywhere except grading)."""
    return not grading()
