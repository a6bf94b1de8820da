"""Feedback for students: nbgrader's HTML reports, checked to never show hidden tests.

The course configures nbgrader to clear hidden tests from feedback (``autograde/config.py``);
:func:`generate_feedback` also reads every page it produced and refuses to call the run good
if a line of a hidden test shows up in one, so a configuration slip cannot leak them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograde import notebooks
from autograde.course import CourseSettings, run_nbgrader


@dataclass
class FeedbackReport:
    """Feedback pages written, and any that show hidden tests (which must never happen)."""

    assignment: str
    pages: list[Path] = field(default_factory=list)
    leaks: dict[str, list[str]] = field(default_factory=dict)  # student -> leaked lines
    released: bool = False

    def text(self) -> str:
        lines = [f"{self.assignment}: {len(self.pages)} feedback page(s)"
                 + (", released to the exchange" if self.released else "")]
        for student, leaked in sorted(self.leaks.items()):
            lines.append(f"HIDDEN TESTS SHOWN to {student}: {leaked[0]!r} and "
                         f"{len(leaked) - 1} more line(s)")
        return "\n".join(lines)


def visible_text(page: str) -> str:
    """The text a reader of an HTML page sees: tags dropped, entities decoded, spaces folded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def secret_lines(settings: CourseSettings, assignment: str, notebook: str) -> list[str]:
    """Lines of hidden tests (long enough to be telling) that the student version lacks."""
    source = notebooks.read(settings.source / assignment / f"{notebook}.ipynb")
    release_path = settings.release / assignment / f"{notebook}.ipynb"
    public = ""
    if release_path.is_file():
        public = re.sub(r"\s+", " ", "\n".join(c.source for c in notebooks.read(release_path).cells))
    lines = {re.sub(r"\s+", " ", line.strip())
             for hidden in notebooks.hidden_tests(source).values()
             for line in hidden.splitlines() if len(line.strip()) > 12}
    return sorted(line for line in lines if line not in public)


def leaked_lines(page: str, secrets: list[str]) -> list[str]:
    """The secret lines that a feedback page shows."""
    text = re.sub(r"\s+", " ", visible_text(page))
    return [line for line in secrets if line in text]


def generate_feedback(settings: CourseSettings, assignment: str, student: str | None = None,
                      exchange: str | None = None) -> FeedbackReport:
    """Write feedback for every autograded student (or one), check it, and optionally release
    it to the exchange (``exchange`` is its root, ``""`` for the configured one).

    Raises
    ------
    RuntimeError
        If nbgrader fails, or a page shows a hidden test (the pages are then left for
        inspection and nothing is released).
    """
    args = ["generate_feedback", assignment, "--force"]
    if student:
        args.append(f"--student={student}")
    run_nbgrader(*args, cwd=settings.root, failure="nbgrader could not write feedback")
    report = FeedbackReport(assignment)
    secrets = {name: secret_lines(settings, assignment, name)
               for name in settings.notebooks(assignment)}
    pattern = f"{student or '*'}/{assignment}/*.html"
    for page in sorted(settings.feedback.glob(pattern)):
        report.pages.append(page)
        leaked = leaked_lines(page.read_text(encoding="utf-8"), secrets.get(page.stem, []))
        if leaked:
            report.leaks[page.parent.parent.name] = leaked
    if report.leaks:
        raise RuntimeError(report.text())
    if exchange is not None:
        args = ["release_feedback", assignment]
        if student:
            args.append(f"--student={student}")
        if exchange:
            args.append(f"--Exchange.root={exchange}")
        run_nbgrader(*args, cwd=settings.root, failure="nbgrader could not release feedback")
        report.released = True
    return report
