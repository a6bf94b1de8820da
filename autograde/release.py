"""Regenerate the student versions in ``lessons/`` from ``solutions/``.

``python -m autograde.release`` (or ``make lessons``) clears outputs from every source notebook
and runs ``nbgrader generate_assignment`` for every assignment, without touching the gradebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograde import notebooks
from autograde.course import REPO_ROOT, assignments, nbgrader, notebook_name


def clear_outputs(path: Path) -> bool:
    """Remove outputs and execution counts from a notebook; return True if it changed."""
    notebook = notebooks.read(path)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count, changed = [], None, True
    if changed:
        notebooks.write(notebook, path)
    return changed


def regenerate(root: Path = REPO_ROOT) -> list[str]:
    """Clear the sources' outputs and regenerate every lesson; return the assignments done.

    Raises
    ------
    RuntimeError
        If nbgrader fails on an assignment (its log is in the message).
    """
    done = []
    for assignment in assignments(root):
        clear_outputs(root / "solutions" / assignment / notebook_name(assignment))
        result = nbgrader("generate_assignment", assignment, "--force", "--no-db", cwd=root)
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader could not release {assignment}:\n{result.stderr}")
        done.append(assignment)
    return done


if __name__ == "__main__":
    for name in regenerate():
        print(f"released lessons/{name}")
    sys.exit(0)
