"""Running nbgrader on a course directory and reading what it recorded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

_CONFIG_TEMPLATE = '''"""nbgrader configuration of a scratch copy of the course."""
from pathlib import Path

from autograde.config import configure

c = get_config()  # noqa: F821
configure(c, root=Path(__file__).resolve().parent, db_url={db_url!r})
'''


def assignments(root: Path = REPO_ROOT) -> list[str]:
    """Every assignment in ``solutions/`` (a folder holding a notebook of the same name)."""
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def notebook_name(assignment: str) -> str:
    """The notebook file of an assignment (one per assignment, named like its folder)."""
    return f"{assignment}.ipynb"


def nbgrader_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment nbgrader runs in: single-threaded numerics, no display, alembic found.

    ``env`` adds or overrides variables.
    """
    environment = dict(os.environ)
    environment.pop("NBGRADER_EXECUTION", None)
    environment.setdefault("OMP_NUM_THREADS", "1")
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")
    environment.setdefault("MPLBACKEND", "Agg")
    # nbgrader runs alembic (installed next to this interpreter) to set up the gradebook.
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                           environment.get("PATH", "")])
    if env:
        environment.update(env)
    return environment


def nbgrader_command(*args: str) -> list[str]:
    """The command line that runs ``nbgrader ARGS`` with this interpreter."""
    return [sys.executable, "-m", "nbgrader", *args]


def nbgrader(*args: str, cwd: Path, timeout: float = 1800,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``cwd`` with this interpreter; never raises on failure."""
    return subprocess.run(
        nbgrader_command(*args), cwd=cwd, env=nbgrader_environment(env),
        capture_output=True, text=True, timeout=timeout,
    )


def run_nbgrader(*args: str, cwd: Path, failure: str) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``cwd``.

    Raises
    ------
    RuntimeError
        If nbgrader fails: ``failure`` (e.g. "nbgrader could not collect 00-orientation")
        followed by the end of nbgrader's log.
    """
    result = nbgrader(*args, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{failure}:\n{result.stderr[-3000:]}")
    return result


@dataclass(frozen=True)
class CourseSettings:
    """Where nbgrader keeps everything of one course directory, as its configuration says."""

    root: Path
    course_id: str
    db_url: str
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path

    @property
    def reports(self) -> Path:
        """Where grading reports are written (``autograde/reports/``, ignored by git)."""
        return self.root / "autograde" / "reports"

    def notebooks(self, assignment: str) -> list[str]:
        """Names (without ``.ipynb``) of the notebooks of ``assignment`` in the source folder."""
        folder = self.source / assignment
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def submission(self, student: str, assignment: str) -> Path:
        """A student's folder of ``assignment`` among the submissions."""
        return self.submitted / student / assignment

    def graded_notebook(self, student: str, assignment: str, notebook: str) -> Path:
        """The autograded copy of one submitted notebook."""
        return self.autograded / student / assignment / f"{notebook}.ipynb"


def course_settings(root: str | os.PathLike[str] = REPO_ROOT) -> CourseSettings:
    """Read the settings of the course directory ``root`` from its ``nbgrader_config.py``.

    The file is executed as nbgrader executes it, so ``PHASELAB_GRADEBOOK_URL`` applies in the
    same way. Directories nbgrader would default are defaulted likewise.
    """
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"{root} is not a course directory: it has no nbgrader_config.py")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    course = config.CourseDirectory

    def folder(name: str, default: str) -> Path:
        value = course.get(name, default)
        return Path(value) if Path(value).is_absolute() else root / value

    return CourseSettings(
        root=root,
        course_id=course.get("course_id", "") or "default_course",
        db_url=course.get("db_url", "") or f"sqlite:///{(root / 'gradebook.db').as_posix()}",
        source=folder("source_directory", "source"),
        release=folder("release_directory", "release"),
        submitted=folder("submitted_directory", "submitted"),
        autograded=folder("autograded_directory", "autograded"),
        feedback=folder("feedback_directory", "feedback"),
    )


@dataclass(frozen=True)
class ScratchCourse:
    """A throw-away course directory that grades with the course's own settings."""

    root: Path
    db_url: str

    def submitted(self, student: str, assignment: str) -> Path:
        """Where a student's notebook for ``assignment`` goes before autograding."""
        return (self.root / "autograde" / "submitted" / student / assignment
                / notebook_name(assignment))

    def feedback(self, student: str, assignment: str) -> Path:
        """Where nbgrader writes the student's HTML feedback."""
        return (self.root / "autograde" / "feedback" / student / assignment
                / f"{assignment}.html")

    def release(self, assignment: str) -> Path:
        """The generated student version of ``assignment``."""
        return self.root / "lessons" / assignment / notebook_name(assignment)


def make_scratch_course(dest: Path, assignment_ids: list[str], *,
                        db_url: str | None = None, repo: Path = REPO_ROOT) -> ScratchCourse:
    """Copy the sources of some assignments into ``dest`` and configure nbgrader there.

    ``data/`` is linked, not copied. The gradebook is SQLite inside ``dest`` unless
    ``db_url`` names another database.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for assignment in assignment_ids:
        shutil.copytree(repo / "solutions" / assignment, dest / "solutions" / assignment,
                        dirs_exist_ok=True)
    data_link = dest / "data"
    if not data_link.exists():
        data_link.symlink_to(repo / "data", target_is_directory=True)
    url = db_url or f"sqlite:///{(dest / 'autograde' / 'gradebook.db').as_posix()}"
    (dest / "autograde").mkdir(exist_ok=True)
    (dest / "nbgrader_config.py").write_text(_CONFIG_TEMPLATE.format(db_url=url))
    return ScratchCourse(root=dest, db_url=url)
