"""Grading that cannot be fooled or broken: repairing submissions and recovering from hangs.

:func:`grade_safely` is what ``course-grade grade`` and ``course-grade regrade`` run. It wraps
:func:`autograde.grading.grade_class` with three protections that work on the submission files,
outside the grading kernel (the kernel itself is guarded by :mod:`phaselab.sandbox`):

1. **Repair before grading** (:class:`Repairer`, a pre-check). Every submitted notebook is
   compared with the released student version. A notebook whose structure was changed (test
   cells deleted, edited, duplicated or moved; grade ids, points or cell types changed; code
   cells added outside the answer cells; another kernel; an older format; bytes that are not
   UTF-8) is rebuilt from the release: the released notebook is the skeleton and only the
   student's answer cells are copied in (matched by grade id, else by position). The original
   is kept under ``autograde/originals/`` (out of the grading kernel's reach) and every change
   is reported to the instructor. Files that cannot be read as a notebook at all (empty, not
   JSON, far too large, an unknown format version) are refused with a reason.
2. **Recovery after grading** (:func:`recover_student`). A cell that ignores the interrupt sent
   at the time limit (a loop that swallows ``KeyboardInterrupt``) keeps the kernel busy, so every
   later cell times out too; a cell that kills the kernel (``os._exit``, the CPU limit) makes
   nbgrader drop the whole submission. In both cases the offending cell is found (from the timed
   out cells of the autograded notebook, or by running the notebook cell by cell with a per-cell
   time limit), its source is replaced by a ``raise RuntimeError`` that says why, and the
   student is graded again, so every cell that ran keeps its marks.
3. **Resuming** (``only_new=True``): a run killed in the middle is completed by running it again;
   a student counts as done only if the gradebook holds a complete grade *and* the autograded
   notebook is newer than the submission, so no half-graded student is skipped.

The instructor guide's section on what is and is not protected is ``autograde/SECURITY.md``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, IO

import nbformat

from autograde import notebooks
from autograde.course import CourseSettings
from autograde.grading import (DEFAULT_PRE_CHECKS, FAILED, GRADED, MAX_NOTEBOOK_BYTES,
                               GradingReport, Outcome, PreCheck, Submission, grade_class,
                               notebooks_present)

#: Where originals of repaired or patched submissions are kept (under the course root).
ORIGINALS = Path("autograde") / "originals"

#: What replaces the source of a cell that had to be stopped.
STOPPED_CELL = ('raise RuntimeError("[grading] this cell was stopped: {why}; it was not run, '
                'so the cells that need it fail")\n')

#: Extra nbgrader option giving the per-cell time limit, as the instructor passes it.
TIMEOUT_OPTION = "--Execute.timeout="

#: Rounds of find-the-hung-cell-and-grade-again per student (one hung cell per round).
MAX_RECOVERY_ROUNDS = 3

_SUPPORTED_MAJOR = 4


class Unreadable(ValueError):
    """A file that cannot be turned into a notebook; its message is the refusal reason."""


# --------------------------------------------------------------------------------------------
# Reading a submitted file


def decode_notebook(raw: bytes, name: str = "notebook") -> tuple[Any, list[str]]:
    """Parse submitted bytes into an nbformat-4 notebook, noting anything that was fixed.

    Parameters
    ----------
    raw
        The file's bytes.
    name
        File name used in messages.

    Returns
    -------
    notebook, notes
        The notebook (version 4) and what had to be done to read it.

    Raises
    ------
    Unreadable
        Empty, too large, not JSON, not a notebook, or an unknown format version.
    """
    if not raw.strip():
        raise Unreadable(f"{name} is empty")
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"{name} is {len(raw) / 1024**2:.0f} MB "
                         f"(limit {MAX_NOTEBOOK_BYTES // 1024**2} MB)")
    notes: list[str] = []
    text, stray = _decode_mixed(raw)
    if stray:
        notes.append(f"{name} was not UTF-8: {stray} byte(s) read as Latin-1")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(f"{name} is not valid JSON ({error.msg} at line {error.lineno}): "
                         "the file is damaged or is not a notebook") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise Unreadable(f"{name} is JSON but not a Jupyter notebook (no cells)")
    major = data.get("nbformat")
    if not isinstance(major, int) or major > _SUPPORTED_MAJOR or major < 3:
        raise Unreadable(f"{name} has notebook format version {major!r}; only versions 3 "
                         "and 4 can be graded (save it again from Jupyter)")
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # noqa: BLE001 - any reason to be unreadable is reported
        raise Unreadable(f"{name} is not a readable notebook ({type(error).__name__})") from None
    if major != _SUPPORTED_MAJOR:
        notes.append(f"{name} was in notebook format {major}: converted to format 4")
    return notebook, notes


def _decode_mixed(raw: bytes) -> tuple[str, int]:
    """Decode UTF-8, reading any byte that is not valid UTF-8 as Latin-1 (an editor that saved
    an accented letter in a legacy encoding); return the text and how many bytes that took."""
    parts: list[str] = []
    stray, start = 0, 0
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    while True:
        try:
            parts.append(raw[start:].decode("utf-8"))
            return "".join(parts), stray
        except UnicodeDecodeError as error:
            end = start + error.start
            parts.append(raw[start:end].decode("utf-8"))
            parts.append(raw[end:end + 1].decode("latin-1"))
            stray += 1
            start = end + 1


# --------------------------------------------------------------------------------------------
# Comparing a submission with the release, and rebuilding it


@dataclass
class Inspection:
    """What differs between a submitted notebook and the released student version."""

    changes: list[str] = field(default_factory=list)  # one line each, for the instructor
    answers: dict[str, Any] = field(default_factory=dict)  # grade id -> the student's cell

    @property
    def needs_rebuild(self) -> bool:
        return bool(self.changes)


def _meta_key(cell: Any) -> tuple:
    meta = notebooks.nbgrader_meta(cell)
    return (cell.cell_type, bool(meta.get("grade")), bool(meta.get("solution")),
            bool(meta.get("locked")), float(meta.get("points", 0) or 0))


def inspect(submitted: Any, release: Any) -> Inspection:
    """Compare ``submitted`` with ``release`` and pick the student's answer cells.

    Answer cells are matched by grade id; answer cells whose grade id was changed or removed
    are matched by their position among the remaining answer-like cells of the same type.
    """
    found = Inspection()
    released = list(notebooks.graded_cells(release))
    released_ids = [grade_id for grade_id, _ in released]
    kind = {grade_id: cell for grade_id, cell in released}
    seen: dict[str, list[Any]] = {}
    unknown: list[Any] = []
    order: list[str] = []
    for cell in submitted.cells:
        grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
        if grade_id in kind:
            seen.setdefault(grade_id, []).append(cell)
            order.append(grade_id)
        elif grade_id:
            unknown.append(cell)
            found.changes.append(f"cell with unknown grade id {grade_id!r} ignored")
    for grade_id, cell in released:
        copies = seen.get(grade_id, [])
        label = "answer cell" if notebooks.is_answer(cell) else (
            "test cell" if notebooks.is_test(cell) else "locked cell")
        if not copies:
            if not notebooks.is_answer(cell):
                found.changes.append(f"{label} {grade_id} was deleted: restored from the release")
            continue
        if len(copies) > 1:
            found.changes.append(f"{label} {grade_id} appears {len(copies)} times: "
                                 "only the first copy is kept")
        mine = copies[0]
        if _meta_key(mine) != _meta_key(cell):
            found.changes.append(f"{label} {grade_id}: grading metadata (cell type, points or "
                                 "flags) changed: restored from the release")
        if notebooks.is_answer(cell):
            found.answers[grade_id] = mine
        elif mine.source != cell.source and not _intact_earlier_release(mine):
            found.changes.append(f"{label} {grade_id} was edited: restored from the release")
    firsts = list(dict.fromkeys(order))
    if firsts != [g for g in released_ids if g in firsts]:
        found.changes.append("graded cells were moved: the release's order is restored")
    # Answer cells whose grade id was changed or removed: match by position and type.
    missing = [g for g, c in released if notebooks.is_answer(c) and g not in found.answers]
    candidates = [c for c in unknown if notebooks.nbgrader_meta(c).get("solution")]
    for grade_id in missing:
        match = next((c for c in candidates if c.cell_type == kind[grade_id].cell_type), None)
        if match is not None:
            candidates.remove(match)
            found.answers[grade_id] = match
            found.changes.append(f"answer cell {grade_id} had its grade id changed: matched "
                                 "by position")
        else:
            found.changes.append(f"answer cell {grade_id} is missing: graded as unanswered")
    added = _added_code_cells(submitted, release)
    if added:
        found.changes.append(f"{added} code cell(s) written outside the answer cells were not "
                             "run (only answer cells are graded)")
    kernel = submitted.metadata.get("kernelspec", {}).get("name")
    wanted = release.metadata.get("kernelspec", {}).get("name")
    if kernel != wanted:
        found.changes.append(f"kernel {kernel!r} replaced by the course's {wanted!r}")
    return found


def _intact_earlier_release(cell: Any) -> bool:
    """Whether a locked cell is unchanged since an earlier release of the assignment (its
    source still matches the checksum nbgrader recorded), as after a test was corrected and
    released again. nbgrader replaces locked cells by the gradebook's copy in any case; this
    only keeps such cells from being reported as edited by the student."""
    from nbgrader.utils import compute_checksum

    recorded = notebooks.nbgrader_meta(cell).get("checksum")
    return bool(recorded) and compute_checksum(cell) == recorded


def _added_code_cells(submitted: Any, release: Any) -> int:
    """Code cells without grading metadata that the release does not have (by source)."""
    released = [c.source for c in release.cells
                if c.cell_type == "code" and not notebooks.nbgrader_meta(c).get("grade_id")]
    extra = 0
    for cell in submitted.cells:
        if cell.cell_type != "code" or notebooks.nbgrader_meta(cell).get("grade_id"):
            continue
        if cell.source in released:
            released.remove(cell.source)
        elif cell.source.strip():
            extra += 1
    return extra


def rebuild(release: Any, answers: dict[str, Any]) -> Any:
    """The released notebook with the student's answer cells copied in (sources only)."""
    notebook = copy.deepcopy(release)
    for grade_id, cell in notebooks.graded_cells(notebook):
        if grade_id in answers and notebooks.is_answer(cell):
            source = answers[grade_id].source
            cell.source = source if isinstance(source, str) else "".join(source)
    return notebook


# --------------------------------------------------------------------------------------------
# Keeping originals


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Vault:
    """Originals of the submissions the grading changed, with the notes about each change.

    A record says which bytes the grading wrote; if the submitted file still has them, the
    original is the one to start from (so a rerun repeats the same repair and the same notes);
    if not, the student handed in again and the new file is the original.
    """

    root: Path

    def _paths(self, submission: Submission, name: str) -> tuple[Path, Path]:
        folder = self.root / ORIGINALS / submission.student / submission.assignment
        return folder / f"{name}.ipynb", folder / f"{name}.json"

    def original(self, submission: Submission, name: str) -> tuple[bytes, list[str]]:
        """The student's own bytes of notebook ``name`` and the notes already recorded."""
        current = submission.notebook(name).read_bytes()
        kept, record = self._paths(submission, name)
        if kept.is_file() and record.is_file():
            meta = json.loads(record.read_text())
            if meta.get("written") == _digest(current):
                return kept.read_bytes(), list(meta.get("notes", []))
        return current, []

    def replace(self, submission: Submission, name: str, original: bytes, notebook: Any,
                notes: list[str]) -> None:
        """Keep ``original`` and put ``notebook`` in the submission in its place."""
        kept, record = self._paths(submission, name)
        kept.parent.mkdir(parents=True, exist_ok=True)
        if not kept.is_file() or kept.read_bytes() != original:
            _atomic_write(kept, original)
        text = nbformat.writes(notebook).encode()
        _atomic_write(record, json.dumps({"written": _digest(text), "notes": notes},
                                         indent=1).encode())
        _atomic_write(submission.notebook(name), text)

    def notes(self, submission: Submission) -> list[str]:
        """Every recorded note of the submission's notebooks whose repair is still in place."""
        found: list[str] = []
        for name in submission.notebooks:
            path = submission.notebook(name)
            if path.is_file():
                found.extend(self.original(submission, name)[1])
        return found


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)


# --------------------------------------------------------------------------------------------
# The pre-check


class Repairer:
    """Pre-check that refuses unreadable notebooks and rebuilds tampered ones from the release.

    Use it as one of ``grade_class``'s ``pre_checks`` (:func:`safe_pre_checks`). What it did to
    each student's notebooks is in :attr:`notes`, by student id.
    """

    def __init__(self, settings: CourseSettings) -> None:
        self.settings = settings
        self.vault = Vault(settings.root)
        self.notes: dict[str, list[str]] = {}
        self._releases: dict[tuple[str, str], Any] = {}

    def release(self, assignment: str, name: str) -> Any:
        key = (assignment, name)
        if key not in self._releases:
            path = self.settings.release / assignment / f"{name}.ipynb"
            if not path.is_file():
                raise FileNotFoundError(f"no released {path}: release {assignment} first")
            self._releases[key] = notebooks.read(path)
        return self._releases[key]

    def __call__(self, submission: Submission) -> str | None:
        notes: list[str] = []
        for name in submission.notebooks:
            original, earlier = self.vault.original(submission, name)
            if earlier:  # the file is this grading's own repair: keep it (and its notes)
                notes.extend(earlier)
                continue
            try:
                notebook, read_notes = decode_notebook(original, f"{name}.ipynb")
            except Unreadable as error:
                return str(error)
            found = inspect(notebook, self.release(submission.assignment, name))
            changes = read_notes + found.changes
            if changes:
                fixed = rebuild(self.release(submission.assignment, name), found.answers)
                self.vault.replace(submission, name, original, fixed, changes)
                notes.extend(changes)
        if notes:
            self.notes[submission.student] = notes
        return None


def safe_pre_checks(settings: CourseSettings) -> tuple[tuple[PreCheck, ...], Repairer]:
    """The pre-checks of :func:`grade_safely`: present, readable or repaired, then nbgrader's."""
    repairer = Repairer(settings)
    others = tuple(c for c in DEFAULT_PRE_CHECKS if c is not notebooks_present)
    return (notebooks_present, repairer, *others), repairer


# --------------------------------------------------------------------------------------------
# Recovery: finding the cell that hung or killed the kernel


def cell_timeout(nbgrader_args: Sequence[str], default: int | None = None) -> int:
    """The per-cell time limit in ``nbgrader_args`` (else the course's)."""
    from autograde.config import CELL_TIMEOUT_S

    for arg in reversed(list(nbgrader_args)):
        if arg.startswith(TIMEOUT_OPTION):
            return int(float(arg[len(TIMEOUT_OPTION):]))
    return default or CELL_TIMEOUT_S


def _timed_out(cell: Any) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
               for o in cell.get("outputs", []))


def hung_cell_from_graded(graded: Any) -> int | None:
    """Index of a cell that ignored the interrupt, read from an autograded notebook.

    A cell that ignores the interrupt keeps the kernel busy, so the next code cell times out
    as well; a loop that stops when interrupted only times out itself.
    """
    code = [k for k, c in enumerate(graded.cells) if c.cell_type == "code"]
    for here, after in zip(code, code[1:]):
        if _timed_out(graded.cells[here]) and _timed_out(graded.cells[after]):
            return here
    return None


def hung_cell_by_running(notebook: Any, cwd: Path, course_root: Path,
                         timeout: int) -> tuple[int, str] | None:
    """Run ``notebook`` cell by cell in a guarded kernel; return the first cell that runs past
    ``timeout`` seconds or kills the kernel, with the reason, or ``None`` if every cell ends."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from phaselab.sandbox import kernel_start_line

    client = NotebookClient(
        copy.deepcopy(notebook), timeout=timeout, interrupt_on_timeout=False,
        allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
        extra_arguments=["--HistoryManager.hist_file=:memory:",
                         f"--IPKernelApp.exec_lines={kernel_start_line(course_root)}"])
    with client.setup_kernel(env=_kernel_environment()):
        for index, cell in enumerate(client.nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                return index, f"it ran past the {timeout} s limit and ignored the interrupt"
            except DeadKernelError:
                return index, "it stopped the grading kernel"
    return None


def _kernel_environment() -> dict[str, str]:
    from autograde.course import nbgrader_environment

    return nbgrader_environment()


def _cell_to_stop(notebook: Any, index: int) -> int:
    """The cell to replace so that cell ``index`` no longer hangs.

    Locked cells (tests, set-up) are restored by nbgrader, so when one of them hangs the
    answer cell before it (whose code it calls) is stopped instead.
    """
    meta = notebooks.nbgrader_meta(notebook.cells[index])
    if not (meta.get("locked") or meta.get("grade")) or meta.get("solution"):
        return index
    for k in range(index - 1, -1, -1):
        if notebooks.is_answer(notebook.cells[k]) and notebook.cells[k].cell_type == "code":
            return k
    return index


def stop_cell(notebook: Any, index: int, why: str) -> tuple[Any, str]:
    """A copy of ``notebook`` with the cell that made cell ``index`` hang replaced; and a note."""
    patched = copy.deepcopy(notebook)
    target = _cell_to_stop(patched, index)
    cell = patched.cells[target]
    cell.source = STOPPED_CELL.format(why=why.replace('"', "'"))
    grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
    where = f"answer cell {grade_id}" if grade_id else f"cell {target + 1}"
    caused = "" if target == index else f" (cell {index + 1}, which calls it, hung)"
    return patched, f"{where} was stopped{caused}: {why}; the cells that ran keep their marks"


def recover_student(settings: CourseSettings, assignment: str, outcome: Outcome, *,
                    nbgrader_args: Sequence[str] = (), vault: Vault | None = None,
                    ) -> list[str]:
    """Find the cell that made ``outcome``'s grading fail or time out, stop it, and save the
    patched notebook in place of the submission; return the notes (empty: nothing found)."""
    vault = vault or Vault(settings.root)
    submission = Submission(outcome.student, assignment,
                            settings.submission(outcome.student, assignment),
                            tuple(settings.notebooks(assignment)))
    timeout = cell_timeout(nbgrader_args)
    notes: list[str] = []
    for name in submission.notebooks:
        path = submission.notebook(name)
        if not path.is_file():
            continue
        current = notebooks.read(path)
        found: tuple[int, str] | None = None
        graded_path = settings.graded_notebook(outcome.student, assignment, name)
        if outcome.status == GRADED and graded_path.is_file():
            index = hung_cell_from_graded(notebooks.read(graded_path))
            if index is not None:
                found = (index, f"it ran past the {timeout} s limit and ignored the interrupt")
        elif outcome.status == FAILED:
            folder = settings.root / ORIGINALS / "runs" / outcome.student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            found = hung_cell_by_running(current, folder, settings.root, timeout)
        if found is None:
            continue
        patched, note = stop_cell(current, *found)
        original, earlier = vault.original(submission, name)
        vault.replace(submission, name, original, patched, earlier + [note])
        notes.append(note)
    return notes


# --------------------------------------------------------------------------------------------
# Grading a class safely


def grade_safely(settings: CourseSettings, assignment: str, *,
                 students: Iterable[str] | None = None, workers: int | None = None,
                 only_new: bool = False, nbgrader_args: Sequence[str] = (),
                 progress: bool | IO[str] = True, recover: bool = True) -> GradingReport:
    """Grade like :func:`autograde.grading.grade_class`, with repair, recovery and resuming.

    Parameters are those of ``grade_class``; ``recover`` turns the recovery of hung or killed
    kernels off. Every repair and recovery is named in the student's ``reason``.
    """
    pre_checks, repairer = safe_pre_checks(settings)
    report = grade_class(settings, assignment, students=students, workers=workers,
                         only_new=only_new, pre_checks=pre_checks,
                         nbgrader_args=nbgrader_args, progress=progress)
    extra: dict[str, list[str]] = {}
    if recover:
        for _ in range(MAX_RECOVERY_ROUNDS):
            redo: dict[str, list[str]] = {}
            for outcome in report.outcomes:
                if outcome.status in (GRADED, FAILED):
                    notes = recover_student(settings, assignment, outcome,
                                            nbgrader_args=nbgrader_args, vault=repairer.vault)
                    if notes:
                        redo[outcome.student] = notes
            if not redo:
                break
            again = grade_class(settings, assignment, students=sorted(redo), workers=workers,
                                pre_checks=pre_checks, nbgrader_args=nbgrader_args,
                                progress=progress)
            _merge(report, again)
            for student, notes in redo.items():
                extra.setdefault(student, []).extend(notes)
    for outcome in report.outcomes:
        notes = repairer.notes.get(outcome.student, [])
        notes = notes + [n for n in extra.get(outcome.student, []) if n not in notes]
        if notes and outcome.status not in ("refused",):
            outcome.reason = "; ".join(filter(None, [outcome.reason, *notes]))
    return report


def _merge(report: GradingReport, again: GradingReport) -> None:
    """Replace the outcomes of the students graded again."""
    fresh = {o.student: o for o in again.outcomes}
    report.outcomes[:] = [fresh.get(o.student, o) for o in report.outcomes]
    report.runs.extend(again.runs)
    report.wall_seconds += again.wall_seconds
