"""One plotting style for the whole course.

Colours are the Okabe–Ito palette, which stays distinguishable under the common forms of colour
blindness. Every helper labels what it draws; :func:`use_course_style` sets matplotlib defaults
when called (never at import).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Okabe & Ito (2008) colour-blind-safe palette, in the course's order of use.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS: tuple[str, ...] = tuple(PALETTE.values())

#: Line styles that tell curves apart without colour.
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")


def course_rc() -> dict[str, Any]:
    """Return the matplotlib settings of the course style."""
    from cycler import cycler

    return {
        "axes.prop_cycle": cycler(color=COLORS[:7]),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "legend.frameon": False,
        "font.size": 10,
    }


def use_course_style() -> None:
    """Apply :func:`course_rc` to matplotlib's defaults."""
    import matplotlib as mpl

    mpl.rcParams.update(course_rc())


def label(ax: Any, *, title: str, xlabel: str, ylabel: str, legend: bool = True) -> Any:
    """Give ``ax`` a title, axis labels (with units) and, if anything is labelled, a legend."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend:
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend()
    return ax


def loglog(ax: Any, *, title: str, xlabel: str, ylabel: str, legend: bool = True) -> Any:
    """Put both axes of ``ax`` on log scales and label it (see :func:`label`)."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    return label(ax, title=title, xlabel=xlabel, ylabel=ylabel, legend=legend)


def reference_line(ax: Any, y: float, text: str, *, color: str = PALETTE["black"]) -> Any:
    """Draw a labelled horizontal reference line (an entropy, a floor, chance level...)."""
    return ax.axhline(y, color=color, linestyle=":", linewidth=1.2, label=text)


def color_cycle(n: int) -> Sequence[str]:
    """Return ``n`` palette colours, repeating the palette if needed."""
    return [COLORS[i % len(COLORS)] for i in range(n)]
