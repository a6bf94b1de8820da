"""The class roster: a CSV of students, checked and imported into the gradebook.

The CSV needs a header row. The student id column may be called ``id``, ``student_id``,
``username`` or ``login``; optional columns are ``first_name``, ``last_name`` and ``email``
(``first``/``given_name``, ``last``/``surname``/``family_name``, ``mail`` are accepted too).
Other columns are ignored. Ids become folder names and nbgrader's student filters, so they are
restricted to letters, digits and ``. _ - @`` and must start with a letter or digit.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from autograde.gradebook import open_gradebook

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")

_COLUMNS = {
    "id": ("id", "student_id", "studentid", "username", "login", "user"),
    "first_name": ("first_name", "firstname", "first", "given_name"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
    "email": ("email", "e-mail", "mail"),
}


class RosterError(ValueError):
    """The roster file cannot be used; the message names every problem with its line."""


@dataclass(frozen=True)
class Student:
    """One student of the class."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        """The full name, or the id when the roster gives no name."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.id


def _column_map(header: list[str]) -> dict[str, int]:
    """Map each known field to its column index, from a header row."""
    normalised = [name.strip().lower().replace(" ", "_") for name in header]
    found = {}
    for field, aliases in _COLUMNS.items():
        for index, name in enumerate(normalised):
            if name in aliases:
                found[field] = index
                break
    if "id" not in found:
        raise RosterError(f"the header {header} has no student id column "
                          f"(one of {', '.join(_COLUMNS['id'])})")
    return found


def read_roster(path: str | os.PathLike[str]) -> list[Student]:
    """Read and check a roster CSV.

    Raises
    ------
    RosterError
        If the header has no id column, or any id is empty, malformed or repeated.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise RosterError(f"{path} is empty")
    columns = _column_map(rows[0])
    students: list[Student] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        fields = {field: (row[index].strip() if index < len(row) else "")
                  for field, index in columns.items()}
        student_id = fields["id"]
        if not ID_PATTERN.fullmatch(student_id):
            problems.append(f"line {line}: student id {student_id!r} is empty or has characters "
                            "other than letters, digits and . _ - @")
            continue
        if student_id in seen:
            problems.append(f"line {line}: student id {student_id!r} repeats line "
                            f"{seen[student_id]}")
            continue
        seen[student_id] = line
        students.append(Student(student_id, fields.get("first_name", ""),
                                fields.get("last_name", ""), fields.get("email", "")))
    if problems:
        raise RosterError(f"{path}:\n" + "\n".join(problems))
    return students


def import_roster(students: list[Student], db_url: str, course_id: str) -> tuple[int, int]:
    """Add or update every student in the gradebook; return ``(added, updated)`` counts."""
    added = updated = 0
    with open_gradebook(db_url, course_id) as gradebook:
        known = {student.id for student in gradebook.students}
        for student in students:
            details = {"first_name": student.first_name or None,
                       "last_name": student.last_name or None,
                       "email": student.email or None}
            gradebook.update_or_create_student(student.id, **details)
            if student.id in known:
                updated += 1
            else:
                added += 1
    return added, updated


def class_list(db_url: str, course_id: str) -> list[Student]:
    """Every student in the gradebook, sorted by id."""
    with open_gradebook(db_url, course_id) as gradebook:
        return sorted((Student(s.id, s.first_name or "", s.last_name or "", s.email or "")
                       for s in gradebook.students), key=lambda s: s.id)


def write_roster(students: list[Student], path: str | os.PathLike[str]) -> None:
    """Write a roster CSV that :func:`read_roster` reads back."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for student in students:
            writer.writerow([student.id, student.first_name, student.last_name, student.email])
