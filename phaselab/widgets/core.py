"""Wiring shared by every demo: controls on top, a figure below that redraws on change."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any


def linked_figure(
    controls: Mapping[str, Any],
    render: Callable[..., Any],
    *,
    description: str = "",
) -> Any:
    """Return a widget box whose figure is redrawn whenever a control changes.

    Parameters
    ----------
    controls
        Widgets by keyword: on every change, ``render(**{name: widget.value})`` is called.
    render
        Builds and returns a matplotlib figure from the control values. It should do all its
        computing through the demo's pure function so that the wiring stays trivial.
    description
        Optional text shown above the controls.

    Returns
    -------
    ipywidgets.VBox
        The controls, and an ``Image`` widget holding the current figure as PNG (it works the
        same in JupyterLab, in a test and in a headless browser). The box's ``refresh``
        attribute redraws on demand, ``image`` is the image widget and ``controls`` the
        controls by keyword.
    """
    import ipywidgets as widgets

    image = widgets.Image(format="png", layout={"max_width": "100%"})

    def refresh(_change: Any = None) -> None:
        values = {name: widget.value for name, widget in controls.items()}
        image.value = figure_png(render(**values))

    for widget in controls.values():
        widget.observe(refresh, names="value")
    children = [widgets.HTML(description)] if description else []
    children += [widgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), image]
    box = widgets.VBox(children)
    box.refresh = refresh
    box.image = image
    box.controls = dict(controls)
    refresh()
    return box


def figure_png(figure: Any) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def log_slider(description: str, *, value: float, low: float, high: float, step: float = 0.05,
               readout_format: str = ".3g") -> Any:
    """A slider over ``10**low ... 10**high`` (exponents), with a readable value."""
    import ipywidgets as widgets

    return widgets.FloatLogSlider(
        value=value, base=10, min=low, max=high, step=step, description=description,
        readout_format=readout_format, continuous_update=False,
        style={"description_width": "initial"},
    )


def slider(description: str, *, value: float, low: float, high: float, step: float,
           readout_format: str = ".3g") -> Any:
    """A float slider that redraws when released (cheap on slow machines)."""
    import ipywidgets as widgets

    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        readout_format=readout_format, continuous_update=False,
        style={"description_width": "initial"},
    )
