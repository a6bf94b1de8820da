"""Project-level promises: the two set-up commands, CI, data provenance, a stand-alone tree."""

from __future__ import annotations

import subprocess

from autograde.course import REPO_ROOT


def test_readme_opens_with_the_two_setup_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    setup = readme.split("## Set-up: two commands", 1)[1].split("##", 1)[0]
    assert "make lab" in setup and "make test" in setup


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test"


def _tracked(*patterns: str) -> list[str]:
    result = subprocess.run(["git", "ls-files", *patterns], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True)
    return result.stdout.split()


def test_every_data_file_is_listed_with_its_provenance() -> None:
    listing = (REPO_ROOT / "data" / "README.md").read_text()
    for path in _tracked("data"):
        name = path.split("/", 1)[1]
        if name != "README.md":
            assert f"`{name}`" in listing, f"data/{name} is not listed in data/README.md"


def test_the_project_stands_alone() -> None:
    outside = "../" + "shared"  # spelt in two parts so that this file does not match itself
    result = subprocess.run(["git", "grep", "-n", "-I", "-F", "-e", outside],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.stdout == "", f"files reach outside the project:\n{result.stdout}"


def test_every_link_in_the_readme_leads_somewhere() -> None:
    import re

    readme = (REPO_ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert local, "the README links no lesson"
    missing = [t for t in local if not (REPO_ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_lesson_appears_in_the_readme_table() -> None:
    from autograde.course import assignments

    readme = (REPO_ROOT / "README.md").read_text()
    for assignment in assignments():
        assert f"(lessons/{assignment}/{assignment}.ipynb)" in readme, f"{assignment} not linked"
