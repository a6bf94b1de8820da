"""Unit tests of ``promises.py``: which cells a notebook promises to show a widget in."""

from __future__ import annotations

import nbformat
import pytest

from tests.browser.promises import promised_demos, widget_names


def _notebook(*cells: str, markdown_first: bool = True) -> nbformat.NotebookNode:
    made = [nbformat.v4.new_markdown_cell("# A lesson")] if markdown_first else []
    made += [nbformat.v4.new_code_cell(source) for source in cells]
    return nbformat.v4.new_notebook(cells=made)


def test_display_of_a_phaselab_builder_is_a_promise() -> None:
    notebook = _notebook(
        "from phaselab.widgets import powerlaw\nfrom phaselab.runmode import run_demos",
        "x = 1",
        "if run_demos():\n    display(powerlaw.build())",
    )
    [demo] = promised_demos(notebook)
    assert demo.cell_index == 3  # markdown cells count in the index
    assert demo.expression == "powerlaw.build()"


@pytest.mark.parametrize("imports, shown", [
    ("from phaselab.widgets.scaling import build_compute_explorer", "build_compute_explorer()"),
    ("from phaselab.widgets import double_descent as demo", "demo.build_double_descent_demo(s)"),
    ("from phaselab import plots, widgets", "widgets.powerlaw.build()"),
    ("import phaselab.widgets.powerlaw", "phaselab.widgets.powerlaw.build()"),
    ("import ipywidgets as w", "w.IntSlider()"),
])
def test_every_import_style_is_recognised(imports: str, shown: str) -> None:
    assert [d.cell_index for d in promised_demos(_notebook(imports, f"display({shown})"))] == [2]


def test_last_expression_and_interact_are_promises() -> None:
    notebook = _notebook(
        "import ipywidgets\nfrom phaselab.widgets import powerlaw",
        "box = powerlaw.build()\nbox",
        "ipywidgets.interact(lambda k: k, k=(1, 5))",
    )
    assert [d.cell_index for d in promised_demos(notebook)] == [2, 3]


def test_cells_that_show_no_widget_promise_nothing() -> None:
    notebook = _notebook(
        "from phaselab import plots, scaling\nimport matplotlib.pyplot as plt",
        "display(scaling.power_law(2.0, 1.0, 0.5))",
        "fig, ax = plt.subplots()\nplots.label(ax, title='t', xlabel='x', ylabel='y')\nfig",
        "%timeit 1 + 1",
        "this is not python (",
    )
    assert promised_demos(notebook) == []


def test_only_widget_names_are_collected() -> None:
    import ast

    tree = ast.parse("from phaselab import plots, widgets\nimport numpy as np\n"
                     "from phaselab.widgets import phases as phase_widgets")
    assert widget_names([tree]) == {"widgets", "phase_widgets"}

