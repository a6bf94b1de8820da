"""Collecting submissions into nbgrader's layout: from the exchange or from a downloaded folder.

nbgrader grades ``autograde/submitted/<student>/<assignment>/<assignment>.ipynb``. Two routes
lead there:

- :func:`collect_from_exchange` runs ``nbgrader collect`` (JupyterHub and nbgrader's exchange).
- :func:`collect_from_folder` reads a folder downloaded from a learning-management system:
  one entry per submission, a notebook, a zip or a folder, whose name contains the student's id
  (``s042.ipynb``, ``s042_orientation.zip``, ``Ada Lovelace_s042_assignsubmission_file/``...)
  or, failing that, the student's first and last names as in the roster.

Students rename notebooks (``00-orientation (1).ipynb``, ``Copy of orientation.ipynb``), so on
both routes the notebook is chosen by name similarity (:func:`choose_notebook`): the expected
name wins; otherwise the closest name, or a student's only notebook unless its name is closer
to another assignment's. Everything that cannot be placed is listed in the report with the
reason, and nothing is guessed between two equally good files.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograde.course import CourseSettings, assignments, run_nbgrader
from autograde.roster import ID_PATTERN, Student

#: Largest notebook read out of a zip (bytes); protects against zip bombs.
MAX_MEMBER_BYTES = 50 * 1024**2

#: Names similar at least this much (difflib ratio, after normalisation) match.
SIMILAR = 0.6

_SKIPPED_PARTS = ("__MACOSX", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Candidate:
    """A notebook found for a student: on disk or inside a zip."""

    label: str  # how the report names it: a relative path, or ``archive.zip:member``
    read: Callable[[], bytes]
    mtime: float

    @property
    def stem(self) -> str:
        """The notebook's file name without folders or extension."""
        return Path(self.label.split(":")[-1]).stem


@dataclass
class CollectReport:
    """What a collection did: notebooks placed, names fixed, files left out and why."""

    assignment: str
    collected: dict[str, str] = field(default_factory=dict)  # student -> what was used
    renamed: dict[str, str] = field(default_factory=dict)  # student -> original file name
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    missing: list[str] = field(default_factory=list)  # students on the roster with nothing
    log: str = ""

    def text(self) -> str:
        """A readable report for the instructor."""
        lines = [f"{self.assignment}: {len(self.collected)} submission(s) collected"]
        if self.renamed:
            lines.append(f"renamed notebooks ({len(self.renamed)}), matched by name:")
            lines += [f"  {s}: {name}" for s, name in sorted(self.renamed.items())]
        if self.unmatched:
            lines.append(f"NOT COLLECTED ({len(self.unmatched)}):")
            lines += [f"  {entry}: {why}" for entry, why in self.unmatched]
        if self.ignored:
            lines.append(f"ignored ({len(self.ignored)}):")
            lines += [f"  {entry}: {why}" for entry, why in self.ignored]
        if self.missing:
            lines.append(f"nothing from {len(self.missing)} student(s) on the roster: "
                         + ", ".join(self.missing))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Names


def _plain(text: str) -> str:
    """Lower case, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _words(text: str) -> list[str]:
    """The alphabetic words of a name."""
    return re.findall(r"[a-z]+", _plain(text))


def _squeeze(stem: str, drop: Iterable[str] = ()) -> str:
    """A notebook name reduced for comparison: lower case, no copy markers, letters and digits."""
    text = _plain(stem)
    for word in drop:
        if word:
            text = re.sub(rf"(?<![a-z0-9]){re.escape(_plain(word))}(?![a-z0-9])", " ", text)
    text = re.sub(r"\(\d+\)", " ", text)
    text = re.sub(r"(?<![a-z])(copy\s*of|copy|final|submission|submitted)\d*(?![a-z])", " ", text)
    return re.sub(r"[^a-z0-9]", "", text)


def is_renamed(stem: str, expected: str, drop: Iterable[str] = ()) -> bool:
    """True if a file's name, once the student's id and names are set aside, is not the
    expected one (``s042.ipynb`` and ``s042_00-orientation.ipynb`` are not renamed;
    ``Copy of 00-orientation (1).ipynb`` is)."""
    text = _plain(stem)
    for word in drop:
        if word:
            text = re.sub(rf"(?<![a-z0-9]){re.escape(_plain(word))}(?![a-z0-9])", " ", text)
    text = re.sub(r"^[\s_,.-]+|[\s_,.-]+$", "", text)
    return bool(text) and text != _plain(expected)


def similarity(stem: str, expected: str, drop: Iterable[str] = ()) -> float:
    """How alike a notebook's name is to the expected one, from 0 to 1 (1: the same)."""
    if stem == expected:
        return 1.0
    a, b = _squeeze(stem, drop), _squeeze(expected)
    if not a:
        return 0.0
    if a == b:
        return 0.99
    return difflib.SequenceMatcher(None, a, b).ratio()


def choose_notebook(candidates: Sequence[Candidate], expected: str, others: Sequence[str] = (),
                    drop: Iterable[str] = ()) -> tuple[Candidate | None, str]:
    """Pick the student's notebook for assignment notebook ``expected``.

    Parameters
    ----------
    candidates
        Every notebook found for the student.
    expected
        The notebook name nbgrader expects (without ``.ipynb``).
    others
        Names of the other assignments' notebooks: a file closer to one of them is not taken.
    drop
        Words to ignore in file names (the student's id and names).

    Returns
    -------
    (candidate, why)
        The chosen notebook (``None`` if none can be chosen safely) and, if none, the reason.
    """
    if not candidates:
        return None, "no notebook in it"
    drop = list(drop)
    scored = []
    for candidate in candidates:
        mine = similarity(candidate.stem, expected, drop)
        theirs = max((similarity(candidate.stem, other, drop) for other in others), default=0.0)
        scored.append((mine, theirs, candidate))
    plausible = [(m, c) for m, t, c in scored if m >= SIMILAR and m >= t]
    if not plausible and len(scored) == 1:
        mine, theirs, only = scored[0]
        if theirs >= SIMILAR and theirs > mine:
            return None, f"its only notebook {only.label} looks like another assignment"
        return only, ""
    if not plausible:
        names = ", ".join(c.label for _, _, c in scored)
        return None, f"no notebook named like {expected}.ipynb among: {names}"
    best = max(m for m, _ in plausible)
    top = [c for m, c in plausible if m == best]
    if len(top) > 1:
        newest = max(c.mtime for c in top)
        top = [c for c in top if c.mtime == newest]
        if len(top) > 1:
            return None, "equally good notebooks: " + ", ".join(c.label for c in top)
    return top[0], ""


def match_student(name: str, students: Sequence[Student]) -> tuple[Student | None, str]:
    """Find whose submission an entry named ``name`` is: by id, else by first and last name."""
    lowered = name.lower()
    spans: dict[str, list[tuple[int, int]]] = {}
    for student in students:
        pattern = rf"(?<![a-z0-9]){re.escape(student.id.lower())}(?![a-z0-9])"
        found = [m.span() for m in re.finditer(pattern, lowered)]
        if found:
            spans[student.id] = found

    def inside_another(student_id: str) -> bool:
        """Every mention is part of a longer id's mention ("ab" in "ab.c")."""
        return all(any(other != student_id and a <= start and end <= b
                       for other, theirs in spans.items() for a, b in theirs)
                   for start, end in spans[student_id])

    by_id = [s for s in students if s.id in spans and not inside_another(s.id)]
    if len(by_id) == 1:
        return by_id[0], ""
    if len(by_id) > 1:
        return None, "names several students: " + ", ".join(s.id for s in by_id)
    words = set(_words(name))
    by_name = [s for s in students
               if _words(s.first_name) and _words(s.last_name)
               and set(_words(s.first_name)) <= words and set(_words(s.last_name)) <= words]
    if len(by_name) == 1:
        return by_name[0], ""
    if len(by_name) > 1:
        return None, "matches the names of several students: " + ", ".join(s.id for s in by_name)
    return None, "names no student on the roster"


def student_from_name(name: str) -> Student | None:
    """Without a roster: the id is the entry's name up to the first ``_`` or space."""
    head = re.split(r"[_\s]", Path(name).stem if Path(name).suffix else name)[0]
    return Student(head) if ID_PATTERN.fullmatch(head) else None


# --------------------------------------------------------------------------------------------
# Reading entries of a downloaded folder


def _skip(path: str) -> bool:
    return any(part in _SKIPPED_PARTS for part in Path(path).parts)


def _zip_candidates(archive: Path, label: str) -> tuple[list[Candidate], str]:
    """Notebooks inside a zip (never extracted to disk); a reason if the zip is unusable."""
    try:
        with zipfile.ZipFile(archive) as handle:
            members = [m for m in handle.infolist()
                       if m.filename.endswith(".ipynb") and not m.is_dir()
                       and not _skip(m.filename)]
    except (zipfile.BadZipFile, OSError) as error:
        return [], f"not a readable zip ({error})"
    found = []
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            continue

        def read(member: zipfile.ZipInfo = member) -> bytes:
            with zipfile.ZipFile(archive) as handle:
                return handle.read(member)

        stamp = datetime(*member.date_time).timestamp()
        found.append(Candidate(f"{label}:{member.filename}", read, stamp))
    return found, ""


def _file_candidate(path: Path, label: str) -> Candidate:
    return Candidate(label, path.read_bytes, path.stat().st_mtime)


def entry_candidates(entry: Path, base: Path) -> tuple[list[Candidate], str]:
    """The notebooks of one downloaded entry (notebook, zip or folder) and any problem."""
    label = entry.relative_to(base).as_posix()
    if entry.is_dir():
        found: list[Candidate] = []
        for path in sorted(entry.rglob("*")):
            if not path.is_file() or _skip(str(path.relative_to(entry))):
                continue
            inner = path.relative_to(base).as_posix()
            if path.suffix == ".ipynb":
                found.append(_file_candidate(path, inner))
            elif path.suffix == ".zip":
                found.extend(_zip_candidates(path, inner)[0])
        return found, ""
    if entry.suffix == ".ipynb":
        return [_file_candidate(entry, label)], ""
    if entry.suffix == ".zip":
        return _zip_candidates(entry, label)
    return [], "neither a notebook, a zip nor a folder"


# --------------------------------------------------------------------------------------------
# Writing into nbgrader's layout

NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


def read_timestamps(path: str | os.PathLike[str]) -> dict[str, datetime]:
    """Submission times from a CSV with columns ``student_id`` (or ``id``) and ``timestamp``
    (ISO 8601; UTC unless an offset is given)."""
    from autograde.release import parse_due

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    times = {}
    for row in rows:
        keys = {k.strip().lower(): v for k, v in row.items() if k}
        student = (keys.get("student_id") or keys.get("id") or "").strip()
        if student and keys.get("timestamp"):
            times[student] = parse_due(keys["timestamp"])
    return times


def place_submission(settings: CourseSettings, student: str, assignment: str, notebook: str,
                     content: bytes, timestamp: datetime | None = None) -> Path:
    """Write one notebook where nbgrader expects it (replacing an earlier collection)."""
    folder = settings.submission(student, assignment)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    target = folder / f"{notebook}.ipynb"
    target.write_bytes(content)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC")
    return target


def _assignment_notebook(settings: CourseSettings, assignment: str) -> tuple[str, list[str]]:
    """The assignment's notebook name and the other assignments' notebook names."""
    names = settings.notebooks(assignment)
    if len(names) != 1:
        raise ValueError(f"{assignment} must have exactly one notebook in {settings.source}, "
                         f"found {names}")
    others = [n for a in assignments(settings.root) if a != assignment
              for n in settings.notebooks(a)]
    return names[0], others


def collect_from_folder(settings: CourseSettings, assignment: str, folder: Path,
                        students: Sequence[Student] = (),
                        timestamps: dict[str, datetime] | None = None) -> CollectReport:
    """Place the submissions of a downloaded folder into nbgrader's layout.

    Parameters
    ----------
    folder
        One entry per submission (notebook, zip or folder) named by student.
    students
        The roster; without it, an entry's id is its name up to the first ``_`` or space.
    timestamps
        Submission times by student id, written to ``timestamp.txt`` for nbgrader's late
        handling (an LMS download does not keep them reliably).
    """
    folder = Path(folder)
    notebook, others = _assignment_notebook(settings, assignment)
    report = CollectReport(assignment)
    found: dict[str, list[Candidate]] = {}
    owners: dict[str, Student] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or _skip(entry.name):
            continue
        student, why = (match_student(entry.name, students) if students
                        else (student_from_name(entry.name), "no student id in its name"))
        if student is None:
            report.unmatched.append((entry.name, why))
            continue
        candidates, problem = entry_candidates(entry, folder)
        if problem or not candidates:
            report.unmatched.append((entry.name, problem or "no notebook in it"))
            continue
        found.setdefault(student.id, []).extend(candidates)
        owners[student.id] = student
    for student_id, candidates in sorted(found.items()):
        owner = owners[student_id]
        drop = [student_id, owner.first_name, owner.last_name]
        chosen, why = choose_notebook(candidates, notebook, others, drop)
        if chosen is None:
            report.unmatched.append((student_id, why))
            continue
        place_submission(settings, student_id, assignment, notebook, chosen.read(),
                         (timestamps or {}).get(student_id))
        report.collected[student_id] = chosen.label
        if is_renamed(chosen.stem, notebook, drop):
            report.renamed[student_id] = chosen.label
        report.ignored += [(c.label, f"another file of {student_id} was used")
                           for c in candidates if c is not chosen]
    report.missing = sorted(s.id for s in students if s.id not in report.collected)
    return report


def fix_renamed_notebooks(settings: CourseSettings, assignment: str) -> CollectReport:
    """In every submitted folder without the expected notebook, rename the student's closest
    notebook to the expected name (what nbgrader's exchange collected, for instance)."""
    notebook, others = _assignment_notebook(settings, assignment)
    report = CollectReport(assignment)
    for submission in sorted(settings.submitted.glob(f"*/{assignment}")):
        student = submission.parent.name
        expected = submission / f"{notebook}.ipynb"
        if expected.is_file():
            report.collected[student] = expected.relative_to(settings.submitted).as_posix()
            continue
        candidates = [_file_candidate(p, p.relative_to(submission).as_posix())
                      for p in sorted(submission.rglob("*.ipynb"))
                      if not _skip(str(p.relative_to(submission)))]
        chosen, why = choose_notebook(candidates, notebook, others, [student])
        if chosen is None:
            report.unmatched.append((f"{student}/{assignment}", why))
            continue
        (submission / chosen.label).rename(expected)
        report.collected[student] = chosen.label
        report.renamed[student] = chosen.label
    return report


def collect_from_exchange(settings: CourseSettings, assignment: str,
                          exchange: str | None = None) -> CollectReport:
    """Run ``nbgrader collect`` (newer submissions replace older ones), then fix renamed
    notebooks. ``exchange`` overrides the configured exchange root.

    Raises
    ------
    RuntimeError
        If nbgrader fails (its log is in the message).
    """
    args = ["collect", assignment, "--update"]
    if exchange:
        args.append(f"--Exchange.root={exchange}")
    result = run_nbgrader(*args, cwd=settings.root,
                          failure=f"nbgrader could not collect {assignment}")
    report = fix_renamed_notebooks(settings, assignment)
    report.log = result.stderr
    return report
