"""Shared fixtures: the repository root, the assignments, their wrong-answer cases, and the
scripts that make the data files."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograde.course import REPO_ROOT, assignments

WRONG_ANSWERS = REPO_ROOT / "tests" / "wrong_answers"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_data_script(name: str) -> ModuleType:
    """A script of ``data/`` (e.g. ``"make_scaling_sweep"``), imported as a module."""
    return _load(REPO_ROOT / "data" / f"{name}.py", name)


def wrong_answer_cases(assignment: str) -> list[dict[str, Any]]:
    """The plausible wrong answers listed for an assignment in ``tests/wrong_answers/``."""
    path = WRONG_ANSWERS / f"{assignment.replace('-', '_')}.py"
    if not path.is_file():
        return []
    module = _load(path, f"wrong_answers_{path.stem}")
    assert module.ASSIGNMENT == assignment, f"{path.name} declares {module.ASSIGNMENT!r}"
    return list(module.CASES)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise any test asking for ``assignment`` over every assignment that exists."""
    if "assignment" in metafunc.fixturenames:
        metafunc.parametrize("assignment", assignments(), scope="module")
