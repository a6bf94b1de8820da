"""The browser suite can fail: a small notebook with a dead control and an error is caught.

The notebook shows a ``linked_figure`` demo with a slider that moves the curve and a checkbox
the figure ignores, a demo with one control of every other kind the suite drives, and then
raises in a later cell. The suite's helpers must see both demos, report the slider as working
and the checkbox as not, change every other control, and name the failing cell and the cell
that Run All never reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser import controls
from tests.browser.lesson import Lesson
from tests.browser.notebook import NotebookPage, RunResult
from tests.browser.promises import promised_demos
from tests.browser.server import JupyterLab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO = '''\
import matplotlib.pyplot as plt
import ipywidgets as widgets
from phaselab.widgets.core import linked_figure, slider


def draw(height, ignored):
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, height])
    ax.set_ylim(0, 2)
    return figure


display(linked_figure({"height": slider("height", value=1.0, low=0.0, high=2.0, step=0.1),
                       "ignored": widgets.Checkbox(value=False, description="ignored")}, draw))
'''


#: One control of every other kind the suite can drive, and a button that counts its clicks.
EVERY_KIND = '''\
controls = {
    "choice": widgets.Dropdown(options=["a", "b", "c"], description="dropdown"),
    "listed": widgets.Select(options=["a", "b", "c"], description="select"),
    "radio": widgets.RadioButtons(options=["a", "b"], description="radio"),
    "toggles": widgets.ToggleButtons(options=["a", "b"], description="toggles"),
    "toggle": widgets.ToggleButton(description="toggle"),
    "number": widgets.BoundedIntText(value=1, min=0, max=5, description="number"),
}


def draw_values(**values):
    figure, ax = plt.subplots(figsize=(4, 1))
    ax.set_title(", ".join(f"{k}={v}" for k, v in sorted(values.items())), fontsize=7)
    ax.axis("off")
    return figure


display(linked_figure(controls, draw_values))
clicks = widgets.HTML("clicks: 0")
button = widgets.Button(description="press")
button.on_click(lambda _: setattr(clicks, "value", f"clicks: {int(clicks.value.split()[1]) + 1}"))
display(widgets.VBox([button, clicks]))
'''


def harness_notebook() -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Harness"),
             nbformat.v4.new_code_cell(DEMO),
             nbformat.v4.new_code_cell(EVERY_KIND),
             nbformat.v4.new_code_cell("1 / 0"),
             nbformat.v4.new_code_cell("print('never reached')")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


@pytest.fixture(scope="module")
def harness(lab: JupyterLab, browser: Any, artifacts: Path, work_root: Path) -> Iterator[Lesson]:
    current = Lesson.start("harness", browser, lab, artifacts, work_root)
    yield current
    current.close()


@pytest.fixture(scope="module")
def ran(harness: Lesson) -> tuple[NotebookPage, RunResult]:
    """The harness notebook, opened and run once."""
    page = harness.open(harness.place(harness_notebook(), "broken"))
    return page, page.run_all()


def test_suite_reports_the_failing_cell(ran: tuple[NotebookPage, RunResult]) -> None:
    assert [d.cell_index for d in promised_demos(harness_notebook())] == [1, 2]
    _, result = ran
    assert [(e.cell_index, e.name) for e in result.errors] == [(3, "ZeroDivisionError")]
    assert result.not_run == [4]
    assert not result.clean and "cell 3" in result.describe()


def test_suite_reports_a_dead_control(ran: tuple[NotebookPage, RunResult]) -> None:
    page, _ = ran
    cell = page.cell(1)
    [view] = controls.views(cell)
    box = controls.view_locator(cell, view["index"])
    found = controls.controls(box)
    assert [(c.kind, c.label) for c in found] == [("slider", "height"), ("checkbox", "ignored")]
    moved, dead = (controls.change_and_watch(box, c, page.kernel_idle, timeout=8.0)
                   for c in found)
    assert moved.changed, moved.detail
    assert not dead.changed and "did not change" in dead.detail


def test_suite_drives_every_kind_of_control(ran: tuple[NotebookPage, RunResult]) -> None:
    page, _ = ran
    cell = page.cell(2)
    boxes = [controls.view_locator(cell, view["index"]) for view in controls.views(cell)]
    found = [(box, control) for box in boxes for control in controls.controls(box)]
    assert [control.kind for _, control in found] == [
        "dropdown", "select", "radio", "toggle-buttons", "toggle-button", "number", "button"]
    for box, control in found:
        outcome = controls.change_and_watch(box, control, page.kernel_idle, timeout=30.0)
        assert outcome.changed, f"{control}: {outcome.detail}"
