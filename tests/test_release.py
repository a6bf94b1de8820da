"""``lessons/`` is exactly what nbgrader generates from ``solutions/`` now."""

from __future__ import annotations

import pytest

from autograde import notebooks
from autograde.course import REPO_ROOT, make_scratch_course, nbgrader, notebook_name

pytestmark = pytest.mark.slow


def test_lessons_match_generated_release(assignment: str, tmp_path) -> None:
    course = make_scratch_course(tmp_path, [assignment])
    result = nbgrader("generate_assignment", assignment, "--force", "--no-db", cwd=course.root)
    assert result.returncode == 0, result.stderr
    fresh = notebooks.read(course.release(assignment))
    committed_path = REPO_ROOT / "lessons" / assignment / notebook_name(assignment)
    assert committed_path.is_file(), f"lessons/{assignment} is missing: run `make lessons`"
    committed = notebooks.read(committed_path)
    assert len(fresh.cells) == len(committed.cells), "cell count differs: run `make lessons`"
    for index, (new, old) in enumerate(zip(fresh.cells, committed.cells)):
        assert new.source == old.source, f"cell {index} differs: run `make lessons`"
        assert new.metadata == old.metadata, f"cell {index} metadata differs: run `make lessons`"
    released_files = sorted(p.name for p in course.release(assignment).parent.iterdir())
    committed_files = sorted(p.name for p in committed_path.parent.iterdir())
    assert released_files == committed_files


def test_release_contains_no_solutions_or_hidden_tests(assignment: str) -> None:
    lesson = notebooks.read(REPO_ROOT / "lessons" / assignment / notebook_name(assignment))
    text = "\n".join(cell.source for cell in lesson.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "Rubric ("):
        assert marker not in text, f"the student version contains {marker!r}"
