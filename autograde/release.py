"""Student versions: regenerating ``lessons/`` and releasing an assignment to a class.

``python -m autograde.release`` (or ``make lessons``) clears outputs from every source notebook
and runs ``nbgrader generate_assignment`` for every assignment, without touching the gradebook.
:func:`release_assignment` (``course-grade release``) releases one assignment to a class.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from autograde import notebooks
from autograde.course import (CourseSettings, REPO_ROOT, assignments, notebook_name,
                              run_nbgrader)
from autograde.gradebook import open_gradebook


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
        run_nbgrader("generate_assignment", assignment, "--force", "--no-db", cwd=root,
                     failure=f"nbgrader could not release {assignment}")
        done.append(assignment)
    return done



def parse_due(text: str) -> datetime:
    """Read a due date like ``2025-03-01 17:00`` (UTC unless an offset is given) as naive UTC,
    which is how nbgrader stores it."""
    moment = datetime.fromisoformat(text.strip().replace(" UTC", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def release_assignment(settings: CourseSettings, assignment: str, *,
                       due: datetime | None = None, exchange: str | None = None,
                       folder: Path | None = None) -> list[str]:
    """Release one assignment to a class; return one line per thing done.

    ``nbgrader generate_assignment`` records the assignment in the gradebook (autograding needs
    it) and regenerates ``lessons/<assignment>/``. Then, as asked: the due date is set, the
    lesson is copied to nbgrader's exchange (``exchange`` is its root, ``""`` for the configured
    one), and/or copied into ``folder`` with a zip beside it for a learning-management system.

    Raises
    ------
    RuntimeError
        If an nbgrader command fails (its log is in the message).
    """
    done = []
    run_nbgrader("generate_assignment", assignment, "--force", cwd=settings.root,
                 failure=f"nbgrader could not generate {assignment}")
    done.append(f"generated {settings.release.name}/{assignment} and recorded it in the gradebook")
    if due is not None:
        with open_gradebook(settings.db_url, settings.course_id) as gradebook:
            gradebook.update_or_create_assignment(assignment, duedate=due)
        done.append(f"due {due:%Y-%m-%d %H:%M} UTC")
    if exchange is not None:
        args = ["release_assignment", assignment, "--force"]
        if exchange:
            args.append(f"--Exchange.root={exchange}")
        run_nbgrader(*args, cwd=settings.root,
                     failure=f"nbgrader could not release {assignment} to the exchange")
        done.append(f"released to the exchange {exchange or '(configured root)'}")
    if folder is not None:
        target = Path(folder) / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(settings.release / assignment, target)
        archive = shutil.make_archive(str(target), "zip", root_dir=folder, base_dir=assignment)
        done.append(f"copied to {target} and {archive}")
    return done


if __name__ == "__main__":
    for name in regenerate():
        print(f"released lessons/{name}")
    sys.exit(0)
