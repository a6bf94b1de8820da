"""Fixtures of the browser suite: one JupyterLab and one Chromium per session, one browser
context per lesson, and a summary of where the time went.

The suite needs Debian's Chromium at ``/usr/bin/chromium`` (browsers are never downloaded;
``PHASELAB_CHROMIUM`` names another Chromium-based browser) and the Python package
``playwright``. Without them the tests are skipped, except under continuous integration
(``CI=true``), where a missing browser is a failure: CI must run this suite.

Run it with ``.venv/bin/pytest tests/browser -q``; screenshots, logs and ``timings.json`` land in
``test-artifacts/browser/``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograde.course import REPO_ROOT
from tests.browser.lesson import Lesson
from tests.browser.server import JupyterLab

#: Debian's Chromium, installed by ``.ci/run`` (``PHASELAB_CHROMIUM`` overrides it).
CHROMIUM = Path(os.environ.get("PHASELAB_CHROMIUM", "/usr/bin/chromium"))

#: Flags for a headless Chromium that runs as root in a container and talks to no one.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

#: Screenshots, logs and the working copies of the notebooks (``test-artifacts/`` is ignored
#: by git; the copies live under the server root so that ``phaselab.data`` finds ``data/``).
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"

_TIMINGS = pytest.StashKey[dict[str, dict[str, Any]]]()
_SERVER_START = pytest.StashKey[float]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (needs /usr/bin/chromium)")
    # (also registered in pyproject.toml; registering here keeps --strict-markers happy either way)
    config.stash[_TIMINGS] = {}


def in_ci() -> bool:
    """True under continuous integration (``CI`` set to a true value, as CI services do)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_requirement() -> str | None:
    """Why the browser suite cannot run here, or ``None`` if it can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Skip the suite when Chromium or Playwright is missing; fail instead under CI."""
    reason = missing_requirement()
    if reason and in_ci():
        pytest.fail(f"the browser suite must run in CI, but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The artefact folder, emptied at the start of a run (per worker under pytest-xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None and ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def work_root(artifacts: Path) -> Path:
    """Where the tests copy notebooks before opening them (the committed ones stay untouched)."""
    root = artifacts / "work" / os.environ.get("PYTEST_XDIST_WORKER", "main")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return root


@pytest.fixture(scope="session")
def lab(browser_ready: None, artifacts: Path, tmp_path_factory: pytest.TempPathFactory,
        request: pytest.FixtureRequest) -> Iterator[JupyterLab]:
    """JupyterLab on a free loopback port, root at the repository, stopped after the session."""
    server = JupyterLab(REPO_ROOT, tmp_path_factory.mktemp("jupyterlab"),
                        artifacts / "jupyterlab.log")
    start = time.monotonic()
    server.start()
    request.config.stash[_SERVER_START] = time.monotonic() - start
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(browser_ready: None) -> Iterator[Any]:
    """Headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lesson(assignment: str, lab: JupyterLab, browser: Any, artifacts: Path, work_root: Path,
           request: pytest.FixtureRequest) -> Iterator[Lesson]:
    """A fresh browser context for one lesson; its kernels are shut down afterwards."""
    start = time.monotonic()
    current = Lesson.start(assignment, browser, lab, artifacts, work_root)
    request.config.stash[_TIMINGS][assignment] = current.timings
    yield current
    current.close()
    current.timings["total"] = time.monotonic() - start


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the wall time of every lesson (and write it to ``timings.json``)."""
    timings = config.stash.get(_TIMINGS, {})
    if not timings:
        return
    terminalreporter.write_sep("-", "browser suite: wall time per lesson")
    for name, phases in timings.items():
        details = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in phases.items()
                            if phase != "total" and isinstance(seconds, float))
        notes = " ".join(str(v) for v in phases.values() if not isinstance(v, float))
        total = phases.get("total", float("nan"))
        terminalreporter.write_line(f"{name:22s} {total:6.1f} s  ({details}) {notes}".rstrip())
    overall = sum(p.get("total", 0.0) for p in timings.values())
    server = config.stash.get(_SERVER_START, 0.0)
    terminalreporter.write_line(f"{'all lessons':22s} {overall:6.1f} s  (JupyterLab start "
                                f"{server:.1f} s)")
    if ARTIFACTS.is_dir():
        record = {"JupyterLab start": server, "lessons": timings}
        (ARTIFACTS / "timings.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
