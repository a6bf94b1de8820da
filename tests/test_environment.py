"""environment.yml (conda, Binder) and pyproject.toml ask for the same packages."""

from __future__ import annotations

import re
import tomllib

from autograde.course import REPO_ROOT

# conda-forge names that differ from PyPI's
CONDA_NAMES = {"psycopg2-binary": "psycopg2"}


def _requirement(text: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", text)
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["course"],
              *project["optional-dependencies"]["test"]]
    expected = dict(_requirement(r) for r in wanted)
    text = (REPO_ROOT / "environment.yml").read_text()
    lines = text.split("dependencies:", 1)[1].splitlines()
    conda = dict(_requirement(line.split("- ", 1)[1]) for line in lines
                 if re.match(r"^  - [a-z]", line) and not line.strip().startswith("- pip"))
    conda.pop("python")
    assert {CONDA_NAMES.get(k, k): v for k, v in expected.items()} == conda


def test_constraints_pin_every_direct_dependency() -> None:
    pins = dict(_requirement(line) for line in (REPO_ROOT / "constraints.txt").read_text()
                .splitlines() if line and not line.startswith("#"))
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["course"],
                        *project["optional-dependencies"]["test"]]:
        name, _ = _requirement(requirement)
        assert name in pins, f"constraints.txt does not pin {name}"
