"""A notebook opened in JupyterLab: run it as a learner does and read what it showed.

Learner actions go through the page (the *Run* menu, the *Validate* button, the widgets);
results are read from the notebook model that JupyterLab renders, through the helpers of
``page_script.js``.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the suite must import (and skip) where playwright is missing
    from playwright.sync_api import Locator, Page

#: The helpers every page gets (``window.courseTest``).
PAGE_SCRIPT = (Path(__file__).parent / "page_script.js").read_text(encoding="utf-8")

#: Seconds for a freshly opened notebook to get an idle kernel.
OPEN_TIMEOUT_S = 120.0
#: Seconds for *Run All* on a solution notebook (they aim at 30 s on two cores).
RUN_ALL_TIMEOUT_S = 600.0
#: Seconds for nbgrader's *Validate* (it runs the notebook again, demos skipped).
VALIDATE_TIMEOUT_S = 300.0
#: Seconds between two looks at the page while waiting.
POLL_S = 0.25

#: How Python starts a traceback printed to stderr (e.g. by a logging handler).
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class CellError:
    """An error a cell showed: an exception, or a traceback printed to stderr."""

    cell_index: int
    first_line: str
    name: str
    value: str

    def __str__(self) -> str:
        where = f"cell {self.cell_index} ({self.first_line.strip()[:60]!r})"
        return f"{where}: {self.name}: {self.value}"


@dataclass
class RunResult:
    """What *Run All* left behind."""

    seconds: float
    errors: list[CellError] = field(default_factory=list)
    not_run: list[int] = field(default_factory=list)
    timed_out: bool = False

    @property
    def clean(self) -> bool:
        """True when every code cell ran and none showed an error."""
        return not (self.errors or self.not_run or self.timed_out)

    def describe(self) -> str:
        """A failure message listing every problem."""
        lines = [f"Run All timed out after {self.seconds:.0f} s"] if self.timed_out else []
        lines += [f"error in {error}" for error in self.errors]
        if self.not_run:
            lines.append(f"code cells never run: {self.not_run}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Validation:
    """The result dialog of nbgrader's *Validate* button."""

    outcome: str  # "success", "failed", "changed", "type-changed" or "error"
    failed_cells: int
    text: str
    seconds: float


def cell_errors(state: dict[str, Any]) -> list[CellError]:
    """Errors in a notebook state: exception outputs and tracebacks printed to stderr."""
    errors = []
    for cell in state["cells"]:
        for output in cell.get("outputs", []):
            if output["type"] == "error":
                errors.append(CellError(cell["index"], cell["firstLine"], output["ename"],
                                        output["evalue"]))
            elif output["name"] == "stderr" and TRACEBACK in output["text"]:
                last = output["text"].strip().splitlines()[-1]
                errors.append(CellError(cell["index"], cell["firstLine"], "traceback on stderr",
                                        last))
    return errors


class NotebookPage:
    """One notebook, in its own tab of a JupyterLab page.

    Parameters
    ----------
    page
        A Playwright page of a context that has :data:`PAGE_SCRIPT` installed.
    path
        The notebook's path relative to the server root (POSIX form).
    """

    def __init__(self, page: Page, path: str) -> None:
        self.page = page
        self.path = path
        self.panel = page.locator(f'.jp-NotebookPanel[data-course-path="{path}"]')

    @classmethod
    def open(cls, page: Page, lab_url: str, path: str, *, workspace: str,
             wait_for_kernel: bool = True, timeout: float = OPEN_TIMEOUT_S) -> NotebookPage:
        """Open ``path`` in ``page``: load JupyterLab there if needed, else open a new tab.

        JupyterLab is loaded in a workspace of its own (named ``workspace``), so that it does
        not restore another test's tabs. Waits until the notebook is loaded and, if
        ``wait_for_kernel``, until its kernel is idle.
        """
        notebook = cls(page, path)
        if page.url.startswith(lab_url):
            page.evaluate("path => window.courseTest.open(path)", path)
        else:
            page.goto(f"{lab_url}/lab/workspaces/{urllib.parse.quote(workspace)}"
                      f"/tree/{urllib.parse.quote(path)}")
        notebook.wait_until(lambda s: s["kernel"] == "idle" or not wait_for_kernel, timeout,
                            f"{path} did not open with an idle kernel")
        return notebook

    def state(self) -> dict[str, Any] | None:
        """Kernel status and cells (see ``notebookState`` in ``page_script.js``).

        ``None`` while the page or the notebook is still loading.
        """
        from playwright.sync_api import Error as PlaywrightError

        try:
            return self.page.evaluate("path => window.courseTest.notebookState(path)", self.path)
        except PlaywrightError as problem:
            if "Execution context was destroyed" in str(problem):
                return None  # the page navigated (JupyterLab settles its URL on start)
            raise

    def wait_until(self, ready: Any, timeout: float, what: str) -> dict[str, Any]:
        """Poll the notebook state until ``ready(state)``; ``TimeoutError`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state is not None and ready(state):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} after {timeout:.0f} s")
            self.page.wait_for_timeout(POLL_S * 1000)

    def kernel_idle(self) -> bool:
        """True when the kernel is idle."""
        state = self.state()
        return state is not None and state["kernel"] == "idle"

    def activate(self) -> None:
        """Bring this notebook's tab to the front."""
        self.page.evaluate("path => window.courseTest.activate(path)", self.path)
        self.panel.wait_for(state="visible")

    def run_all(self, timeout: float = RUN_ALL_TIMEOUT_S) -> RunResult:
        """Choose *Run > Run All Cells* and wait until the run ends (or stops at an error).

        Returns a :class:`RunResult`; it raises only if the page itself fails.
        """
        self.activate()
        start = time.monotonic()
        self.page.locator('.lm-MenuBar-item:has-text("Run")').click()
        self.page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()

        def finished(state: dict[str, Any]) -> bool:
            code = [c for c in state["cells"] if c["type"] == "code" and not c["blank"]]
            if state["kernel"] != "idle" or any(c["pending"] for c in code):
                return False
            return all(c["executionCount"] is not None for c in code) or bool(cell_errors(state))

        timed_out = False
        try:
            state = self.wait_until(finished, timeout, "Run All did not finish")
        except TimeoutError:
            timed_out, state = True, self.state() or {"cells": []}
        return RunResult(
            seconds=time.monotonic() - start,
            errors=cell_errors(state),
            not_run=[c["index"] for c in state["cells"] if c["type"] == "code" and not c["blank"]
                     and c["executionCount"] is None],
            timed_out=timed_out,
        )

    def cell(self, index: int) -> Locator:
        """The cell at ``index`` (windowing is off: every cell is in the page)."""
        return self.panel.locator(".jp-Cell").nth(index)

    def validate(self, screenshot: Path, timeout: float = VALIDATE_TIMEOUT_S) -> Validation:
        """Press nbgrader's *Validate* button, read its result dialog, screenshot and close it."""
        self.activate()
        start = time.monotonic()
        self.panel.locator(".jp-NotebookPanel-toolbar .validate-button").click()
        dialog = self.page.locator(".jp-Dialog:has(#validation-message)")
        dialog.wait_for(state="visible", timeout=timeout * 1000)
        seconds = time.monotonic() - start
        message = dialog.locator("#validation-message")
        classes = (message.get_attribute("class") or "").split()
        outcome = next((c.removeprefix("validation-") for c in classes
                        if c.startswith("validation-")), "error")
        failed = message.locator("p", has_text="The following cell failed:").count()
        text = message.inner_text()
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        dialog.locator(".jp-Dialog-content").screenshot(path=str(screenshot))
        dialog.locator(".jp-Dialog-footer button").last.click()
        dialog.wait_for(state="detached", timeout=10_000)
        return Validation(outcome=outcome, failed_cells=failed, text=text, seconds=seconds)
