"""Find the widgets a cell rendered, move each control as a learner would, watch the output.

A *view* is one widget displayed by a cell (for the course's demos, the box that
:func:`phaselab.widgets.core.linked_figure` builds: controls above an image). Its *output* is
everything it shows besides its controls: images (fingerprinted by content), canvases and text
widgets. A control passes when changing it changes its view's output.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the suite must import (and skip) where playwright is missing
    from playwright.sync_api import Locator

#: Seconds for the kernel to redraw a demo after a control changed (they take well under 1 s).
UPDATE_TIMEOUT_S = 60.0

#: Control kinds this module can change; ``page_script.js`` also finds others (free text,
#: colour and date pickers, uploads, Play), which no generic change can be made to.
DRIVABLE = frozenset({"slider", "dropdown", "select", "toggle-buttons", "toggle-button",
                      "checkbox", "radio", "number", "button"})


@dataclass(frozen=True)
class Control:
    """One control of a widget view."""

    index: int
    kind: str
    label: str

    def __str__(self) -> str:
        return f"{self.kind} {self.label!r}"


@dataclass(frozen=True)
class ControlResult:
    """What happened when a control was changed."""

    control: Control
    changed: bool
    seconds: float
    detail: str = ""


def views(cell: Locator) -> list[dict[str, Any]]:
    """The widget views a cell shows (marked in the page for :func:`view_locator`)."""
    return cell.evaluate("node => window.courseTest.widgetViews(node)")


def view_locator(cell: Locator, index: int) -> Locator:
    """The widget view marked ``index`` in ``cell``."""
    return cell.locator(f'[data-course-widget="{index}"]')


def controls(view: Locator) -> list[Control]:
    """Every control of a widget view, in page order (marked for :func:`control_locator`)."""
    return [Control(**c) for c in view.evaluate("node => window.courseTest.controls(node)")]


def control_locator(view: Locator, control: Control) -> Locator:
    return view.locator(f'[data-course-control="{control.index}"]')


def shown(view: Locator) -> str:
    """A fingerprint of what the view shows besides its controls."""
    return view.evaluate("node => window.courseTest.shown(node)")


def _readout(element: Locator) -> str:
    readout = element.locator(".widget-readout")
    return readout.first.inner_text().strip() if readout.count() else "?"


def _press_slider(element: Locator) -> str:
    """One keyboard step of the (upper) handle: right, or left when already at the top."""
    handle = element.locator(".noUi-handle").last
    value, maximum = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
    at_top = value is not None and maximum is not None and float(value) >= float(maximum)
    vertical = "widget-vslider" in (element.get_attribute("class") or "")
    key = ("ArrowDown" if vertical else "ArrowLeft") if at_top else (
        "ArrowUp" if vertical else "ArrowRight")
    before = _readout(element)
    handle.focus()
    handle.press(key)
    return f"{key}: {before} -> {_readout(element)}"


def _choose_next_option(element: Locator) -> str:
    select = element.locator("select").first
    options = [text.replace("\xa0", " ") for text in select.locator("option").all_inner_texts()]
    if len(options) < 2:
        raise ValueError(f"has {len(options)} option(s): nothing to change to")
    current = select.evaluate("node => node.selectedIndex")
    target = (current + 1) % len(options)
    select.select_option(index=target)
    return f"{options[current]!r} -> {options[target]!r}"


def _click_inactive_button(element: Locator) -> str:
    inactive = element.locator(".widget-toggle-button:not(.mod-active)")
    if inactive.count() == 0:
        raise ValueError("has no other button to press")
    text = inactive.first.inner_text()
    inactive.first.click()
    return f"pressed {text!r}"


def _click_unchecked_radio(element: Locator) -> str:
    unchecked = element.locator("input[type='radio']:not(:checked)")
    if unchecked.count() == 0:
        raise ValueError("has no other option to pick")
    unchecked.first.check()
    return "picked another option"


def _step_number(element: Locator) -> str:
    box = element.locator("input[type='number']").first
    before = box.input_value()
    box.focus()
    box.press("ArrowUp")
    if box.input_value() == before:  # at its maximum
        box.press("ArrowDown")
    box.press("Enter")
    return f"{before} -> {box.input_value()}"


def _click(element: Locator) -> str:
    box = element.locator("input[type='checkbox']")
    if box.count():
        box.first.click()
        return "ticked" if box.first.is_checked() else "unticked"
    element.click()
    return "clicked"


#: How each drivable kind is changed: by the keyboard or the mouse, never through the kernel.
_CHANGERS: dict[str, Callable[[Locator], str]] = {
    "slider": _press_slider,
    "dropdown": _choose_next_option,
    "select": _choose_next_option,
    "toggle-buttons": _click_inactive_button,
    "radio": _click_unchecked_radio,
    "number": _step_number,
    "toggle-button": _click,
    "checkbox": _click,
    "button": _click,
}


def change_and_watch(view: Locator, control: Control, kernel_idle: Callable[[], bool],
                     timeout: float = UPDATE_TIMEOUT_S) -> ControlResult:
    """Change ``control`` and wait until its view's output differs and the kernel is idle.

    Never raises for a control that misbehaves: the result says what happened, so that one
    broken control does not hide the others.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start = time.monotonic()
    if control.kind not in DRIVABLE:
        return ControlResult(control, False, 0.0,
                             f"the browser suite cannot change a {control.kind} control "
                             "(extend tests/browser/controls.py)")
    before = shown(view)
    try:
        how = _CHANGERS[control.kind](control_locator(view, control))
    except (ValueError, PlaywrightTimeout) as problem:
        return ControlResult(control, False, time.monotonic() - start,
                             f"could not change: {problem}")
    deadline = start + timeout
    while time.monotonic() < deadline:
        if kernel_idle() and shown(view) != before:
            return ControlResult(control, True, time.monotonic() - start, how)
        view.page.wait_for_timeout(250)
    return ControlResult(control, False, time.monotonic() - start,
                         f"{how}, but the output did not change within {timeout:.0f} s (an "
                         "exception in the callback shows in JupyterLab's log console)")
