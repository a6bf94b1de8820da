"""Which interactive demos a lesson promises, read from the notebook's own code.

A code cell promises a demo when it shows a widget: it calls ``display(...)`` or ``interact``
on something built from :mod:`phaselab.widgets` or :mod:`ipywidgets`, or ends with such an
expression. The browser tests then expect that cell, after *Run All*, to hold a rendered widget
with at least one control. Reading the source keeps the suite free of per-lesson lists: a new
lesson is covered the day it lands.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

#: Modules whose objects are widgets or build them.
WIDGET_MODULES = ("phaselab.widgets", "ipywidgets")

#: Functions of :mod:`ipywidgets` that display a widget by themselves.
INTERACT_FUNCTIONS = frozenset({"interact", "interact_manual", "interactive"})


@dataclass(frozen=True)
class PromisedDemo:
    """A code cell that shows a widget.

    Attributes
    ----------
    cell_index
        Position of the cell in the notebook (markdown cells included).
    expression
        The source of what the cell displays, for failure messages.
    """

    cell_index: int
    expression: str


def _is_widget_module(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in WIDGET_MODULES)


def _parse(source: str) -> ast.Module | None:
    """Parse a cell, ignoring IPython magics and shell escapes; ``None`` if it is not Python."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def widget_names(trees: list[ast.Module]) -> set[str]:
    """Names bound anywhere in the notebook to a widget module or to something imported from it."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    imported = f"{node.module}.{alias.name}"
                    if alias.name != "*" and (_is_widget_module(node.module)
                                              or _is_widget_module(imported)):
                        names.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_widget_module(alias.name):
                        names.add(alias.asname or alias.name.split(".")[0])
    return names


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _bound_to_widgets(tree: ast.Module, names: set[str]) -> set[str]:
    """Names a cell assigns from expressions that use widget names (``box = demo.build()``)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _mentions(node.value, names):
            bound.update(t.id for target in node.targets for t in ast.walk(target)
                         if isinstance(t, ast.Name))
    return bound


def _shown_expressions(tree: ast.Module) -> list[ast.expr]:
    """Expressions a cell shows: ``display`` arguments, interact calls and its last expression."""
    shown: list[ast.expr] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        if name == "display":
            shown.extend(node.args)
        elif name in INTERACT_FUNCTIONS:
            shown.append(node)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        shown.append(tree.body[-1].value)
    return shown


def promised_demos(notebook: Any) -> list[PromisedDemo]:
    """Every code cell of ``notebook`` (an nbformat notebook) that displays a widget.

    A cell counts when something it shows mentions a name bound to :mod:`phaselab.widgets` or
    :mod:`ipywidgets` anywhere in the notebook (``from phaselab.widgets import powerlaw`` makes
    ``display(powerlaw.build())`` a promise), or a name the same cell assigned from such an
    expression (``box = powerlaw.build()`` then ``box``). Cells that are not valid Python are
    skipped.
    """
    parsed = [(i, _parse(cell.source)) for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "code"]
    trees = [(i, tree) for i, tree in parsed if tree is not None]
    names = widget_names([tree for _, tree in trees])
    demos = []
    for index, tree in trees:
        local = names | _bound_to_widgets(tree, names)
        shown = [expr for expr in _shown_expressions(tree) if _mentions(expr, local)]
        if shown:
            demos.append(PromisedDemo(index, ast.unparse(shown[0])))
    return demos
