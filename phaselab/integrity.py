"""Notice, and undo, code that rebinds what the checks rely on.

Student code runs in the same Python process as the tests that grade it. It can rebind
``builtins.abs``, replace ``numpy.allclose``, plant a fake module in :data:`sys.modules` or
patch IPython's error display. :mod:`phaselab.checks` never calls those names through their
modules: it keeps its own references, taken when it is imported. This module records the
genuine objects (a :class:`Snapshot`), tells whether the live bindings still match them
(:func:`find_tampering`), and puts them back (:func:`restore`).

Every function here reaches objects through ``__dict__`` look-ups, operators and literals,
never through names that student code could rebind. Nothing happens at import time beyond
defining names.
"""

from __future__ import annotations

import builtins as _builtins_module
import sys
from dataclasses import dataclass, field
from types import BuiltinFunctionType, ModuleType
from typing import Any

# Types reached through literals cannot be forged by rebinding names.
_TYPE = (0).__class__.__class__
_TRUE_TYPES = {
    "int": (0).__class__, "float": (0.0).__class__, "bool": (True).__class__,
    "str": ("").__class__, "list": ([]).__class__, "tuple": (()).__class__,
    "dict": ({}).__class__, "set": ({0}).__class__, "type": _TYPE,
}
_HEAPTYPE_FLAG = 1 << 9

WATCHED_BUILTINS: tuple[str, ...] = (
    "abs", "all", "any", "bool", "callable", "dict", "enumerate", "float", "getattr",
    "hasattr", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min",
    "print", "range", "repr", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip",
    "__import__",
)

WATCHED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "numpy": (
        "abs", "absolute", "all", "allclose", "any", "array", "array_equal", "asarray",
        "isclose", "isfinite", "isnan", "max", "min", "ndarray", "testing", "ufunc",
    ),
    "numpy.testing": (
        "assert_allclose", "assert_almost_equal", "assert_array_almost_equal",
        "assert_array_equal", "assert_equal",
    ),
    "math": ("fabs", "isclose", "isfinite", "isnan", "exp", "log", "sqrt"),
}

WATCHED_MODULES: tuple[str, ...] = (
    "builtins", "math", "numpy", "numpy.testing", "phaselab", "phaselab.checks",
    "phaselab.integrity",
)

#: Packages whose loaded modules have every global recorded, so that patching their internals
#: (a reference function a test compares with, say) is noticed.
WATCHED_PACKAGES: tuple[str, ...] = ("phaselab",)

#: IPython shell methods that decide whether a failing test cell is reported as an error.
WATCHED_SHELL_METHODS: tuple[str, ...] = (
    "run_cell", "run_ast_nodes", "run_code", "showtraceback", "_showtraceback",
    "showsyntaxerror", "get_exception_only",
)


@dataclass(frozen=True)
class Snapshot:
    """The objects the checks trust, recorded while they were still genuine."""

    modules: dict[str, ModuleType] = field(default_factory=dict)
    attributes: dict[tuple[str, str], Any] = field(default_factory=dict)
    shell_class_methods: dict[str, Any] = field(default_factory=dict)
    shell_instance_methods: dict[str, Any] = field(default_factory=dict)
    module_globals: dict[str, dict[str, Any]] = field(default_factory=dict)


def _genuine_builtin(name: str, obj: Any) -> bool:
    """Tell whether ``obj`` is the interpreter's own builtin called ``name``."""
    if name in _TRUE_TYPES:
        return obj is _TRUE_TYPES[name]
    if obj.__class__ is BuiltinFunctionType:
        return obj.__self__ is _builtins_module and obj.__name__ == name
    if obj.__class__ is _TYPE:  # builtin classes such as zip, map, range, enumerate
        return (obj.__flags__ & _HEAPTYPE_FLAG) == 0 and obj.__name__ == name
    return False


def _shell_class() -> Any:
    """The IPython shell class if IPython is loaded, else ``None`` (IPython is optional)."""
    module = sys.modules.get("IPython.core.interactiveshell")
    return module.__dict__.get("InteractiveShell") if module is not None else None


def take_snapshot() -> Snapshot:
    """Record the currently loaded watched modules, their watched attributes and IPython's
    shell methods.

    Returns
    -------
    Snapshot
        Modules that are not imported yet are simply not recorded.
    """
    modules = {name: sys.modules[name] for name in WATCHED_MODULES if name in sys.modules}
    modules["builtins"] = _builtins_module
    attributes: dict[tuple[str, str], Any] = {
        ("builtins", name): _builtins_module.__dict__.get(name) for name in WATCHED_BUILTINS
    }
    for module_name, names in WATCHED_ATTRIBUTES.items():
        module = modules.get(module_name)
        if module is None:
            continue
        for name in names:
            if name in module.__dict__:
                attributes[(module_name, name)] = module.__dict__[name]
    shell_cls = _shell_class()
    shell_methods = {}
    if shell_cls is not None:
        shell_methods = {name: shell_cls.__dict__[name] for name in WATCHED_SHELL_METHODS
                         if name in shell_cls.__dict__}
    shell = _live_shell()
    instance_methods = {} if shell is None else {
        name: shell.__dict__.get(name) for name in WATCHED_SHELL_METHODS}
    for name, module in list(sys.modules.items()):
        if any(name == p or name.startswith(p + ".") for p in WATCHED_PACKAGES):
            modules[name] = module
    module_globals = {name: dict(module.__dict__) for name, module in modules.items()
                      if any(name == p or name.startswith(p + ".") for p in WATCHED_PACKAGES)}
    return Snapshot(modules=modules, attributes=attributes, shell_class_methods=shell_methods,
                    shell_instance_methods=instance_methods, module_globals=module_globals)


def _live_shell() -> Any:
    """The running IPython shell instance, or ``None`` outside IPython."""
    shell_cls = _shell_class()
    return shell_cls.__dict__.get("_instance") if shell_cls is not None else None


def find_tampering(snapshot: Snapshot) -> list[str]:
    """List every watched binding that no longer holds its recorded, genuine object.

    Parameters
    ----------
    snapshot
        What :func:`take_snapshot` recorded.

    Returns
    -------
    list of str
        Human-readable descriptions such as ``"builtins.abs was rebound"``; empty when all
        is well.
    """
    problems: list[str] = []
    for name in WATCHED_BUILTINS:
        recorded = snapshot.attributes.get(("builtins", name))
        if not _genuine_builtin(name, recorded):
            problems.append(f"builtins.{name} was already replaced when the checks started")
        live = _builtins_module.__dict__.get(name, None)
        if live is not recorded:
            problems.append(f"builtins.{name} was rebound")
    for name, module in snapshot.modules.items():
        if sys.modules.get(name) is not module:
            problems.append(f"sys.modules[{name!r}] was replaced or removed")
    for (module_name, name), recorded in snapshot.attributes.items():
        if module_name == "builtins":
            continue
        module = snapshot.modules[module_name]
        if module.__dict__.get(name, None) is not recorded:
            problems.append(f"{module_name}.{name} was rebound")
    for module_name, recorded_globals in snapshot.module_globals.items():
        live_globals = snapshot.modules[module_name].__dict__
        for name, recorded in recorded_globals.items():
            if live_globals.get(name, None) is not recorded:
                problems.append(f"{module_name}.{name} was rebound")
    shell_cls = _shell_class()
    for name, recorded in snapshot.shell_class_methods.items():
        if shell_cls.__dict__.get(name) is not recorded:
            problems.append(f"IPython's InteractiveShell.{name} was replaced")
    shell = _live_shell()
    if shell is not None:
        for name in WATCHED_SHELL_METHODS:
            if shell.__dict__.get(name) is not snapshot.shell_instance_methods.get(name):
                problems.append(f"IPython's shell.{name} was overridden")
    return problems


def restore(snapshot: Snapshot) -> list[str]:
    """Put every watched binding back to its recorded object.

    Returns
    -------
    list of str
        What was found tampered before restoring (as :func:`find_tampering` reports it).
    """
    problems = find_tampering(snapshot)
    if not problems:
        return problems
    for name, module in snapshot.modules.items():
        sys.modules[name] = module
    for (module_name, name), recorded in snapshot.attributes.items():
        snapshot.modules[module_name].__dict__[name] = recorded
    for module_name, recorded_globals in snapshot.module_globals.items():
        snapshot.modules[module_name].__dict__.update(recorded_globals)
    shell_cls = _shell_class()
    for name, recorded in snapshot.shell_class_methods.items():
        _TYPE.__setattr__(shell_cls, name, recorded)
    shell = _live_shell()
    if shell is not None:
        for name in WATCHED_SHELL_METHODS:
            recorded = snapshot.shell_instance_methods.get(name)
            if recorded is None:
                shell.__dict__.pop(name, None)
            else:
                shell.__dict__[name] = recorded
    return problems
