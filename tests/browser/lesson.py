"""One lesson under test: its browser context, working copies, artefacts and timings."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograde.course import REPO_ROOT, notebook_name
from tests.browser.notebook import PAGE_SCRIPT, NotebookPage
from tests.browser.server import JupyterLab

#: Page size: wide enough for the two-panel demos.
VIEWPORT = {"width": 1400, "height": 1000}

#: Default Playwright timeout for single actions (clicks, key presses), in milliseconds.
ACTION_TIMEOUT_MS = 30_000


@dataclass
class Lesson:
    """One lesson under test: its browser context, folders and timings.

    Attributes
    ----------
    name
        The assignment, e.g. ``00-orientation``.
    context
        A fresh Playwright browser context with the page helpers installed (see
        :meth:`start`).
    lab
        The JupyterLab server.
    artifacts
        Where this lesson's screenshots and reports go.
    work
        Where this lesson's notebook copies go (under the server root).
    timings
        Seconds per phase, reported at the end of the session.
    browser_log
        Console errors and warnings of the page, saved as an artefact.
    page
        The lesson's JupyterLab page, once a notebook was opened.
    """

    name: str
    context: Any
    lab: JupyterLab
    artifacts: Path
    work: Path
    timings: dict[str, Any] = field(default_factory=dict)
    browser_log: list[str] = field(default_factory=list)
    page: Any = None

    @classmethod
    def start(cls, name: str, browser: Any, lab: JupyterLab, artifacts: Path,
              work: Path) -> Lesson:
        """Begin a lesson: a fresh browser context, empty ``artifacts/name`` and ``work/name``."""
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(PAGE_SCRIPT)
        for folder in (artifacts / name, work / name):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        return cls(name, context, lab, artifacts / name, work / name)

    def close(self) -> None:
        """Close the browser context, stop this lesson's kernels, save the browser log."""
        self.context.close()
        self.lab.shut_down_sessions(under=self.work.relative_to(REPO_ROOT).as_posix())
        (self.artifacts / "browser-console.log").write_text(
            "".join(f"{line}\n" for line in self.browser_log), encoding="utf-8")

    def source(self, folder: str) -> Path:
        """The committed notebook of this lesson in ``solutions`` or ``lessons``."""
        return REPO_ROOT / folder / self.name / notebook_name(self.name)

    def place(self, notebook: Any, variant: str) -> str:
        """Write ``notebook`` as ``work/<variant>/<name>.ipynb``; return its server path."""
        from autograde import notebooks

        path = self.work / variant / notebook_name(self.name)
        notebooks.write(notebook, path)
        return path.relative_to(REPO_ROOT).as_posix()

    def open(self, server_path: str, *, wait_for_kernel: bool = True) -> NotebookPage:
        """Open a notebook in a new tab of this lesson's JupyterLab page.

        The first notebook loads JupyterLab (in a workspace named after the lesson); later
        ones open as further tabs, as a double click in the file browser would. The time it
        takes is added to ``timings["open"]``.
        """
        start = time.monotonic()
        if self.page is None:
            self.page = self.context.new_page()
            self.page.on("console", self._log_console)
            self.page.on("pageerror", lambda error: self.browser_log.append(f"page error: {error}"))
        notebook = NotebookPage.open(self.page, self.lab.url, server_path, workspace=self.name,
                                     wait_for_kernel=wait_for_kernel)
        self.timings["open"] = self.timings.get("open", 0.0) + time.monotonic() - start
        return notebook

    def _log_console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.browser_log.append(f"console {message.type}: {message.text}")
