"""The guard of a grading kernel: limits, and an audit hook that undoes tampering.

When nbgrader grades a submission, the kernel runs :func:`arm` before the first cell (the
course's nbgrader configuration passes it to the kernel as a start-up line). From then on:

- **Before every cell** (every code object IPython executes), whatever the checks rely on is
  put back as it was (:func:`phaselab.integrity.restore`): rebound builtins, replaced numpy or
  math functions, fake modules in ``sys.modules``, patched ``phaselab.checks`` internals and
  overridden IPython error display. The cell that follows is graded on the student's honest
  work, and a notice naming what was undone is written to the cell's error stream, where the
  autograded notebook keeps it for the instructor.
- **Refused outright** (a ``PermissionError`` in the student's cell): starting processes
  (``os.fork``, ``subprocess``, ``os.system``, ``os.exec*``, ``os.posix_spawn``...), loading
  native code through ``ctypes``, walking the heap with ``gc``, tracing or profiling hooks,
  rewriting a function's ``__code__``, adding audit hooks, opening SQLite databases, and
  reading or listing the course's ``solutions/`` folder or anything under ``autograde/``
  outside the submission's own folder, and opening network connections.
- **Operating-system limits** (``setrlimit``, inherited by anything the kernel starts): CPU
  seconds for the whole notebook (the kernel is killed past them, so even a loop that swallows
  ``KeyboardInterrupt`` ends), address space, file size and core dumps.
- **Output** written to ``sys.stdout``/``sys.stderr`` is capped per cell.
- **Secrets in the environment** (the gradebook's URL with its password, JupyterHub's API
  token, anything named like a key, token or password) are removed from ``os.environ`` before
  the first cell (:func:`scrub_environment`), and the copies the operating system keeps
  (``/proc/<pid>/environ``, ``/proc/<pid>/cmdline``, ``/proc/<pid>/mem``, of this process or
  of nbgrader's) cannot be opened, so a student cannot print them into the feedback.

What is not protected: code that defeats the interpreter itself (a crafted C extension already on
the machine, say) and anything the kernel's user may do outside Python's audit events. Run the
grading as an unprivileged user for file-system protection that does not depend on Python.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phaselab import integrity

#: Marker that starts every notice the guard writes into a graded notebook.
NOTICE = "[grading guard]"

#: Audit events refused in a grading kernel.
REFUSED_EVENTS: frozenset[str] = frozenset({
    "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system",
    "os.startfile", "os.kill", "os.killpg", "subprocess.Popen", "pty.spawn",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function",
    "ctypes.string_at", "ctypes.wstring_at", "ctypes.addressof", "ctypes.PyObj_FromPtr",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "sys.settrace", "sys.setprofile", "sys.addaudithook", "sys._current_frames",
    "sqlite3.connect", "sqlite3.connect/handle", "shutil.rmtree",
    "socket.connect", "socket.bind",
})

#: File operations whose first argument is a path to check.
PATH_EVENTS: frozenset[str] = frozenset({
    "open", "os.listdir", "os.scandir", "glob.glob", "os.remove", "os.rename", "os.rmdir",
    "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime", "os.link", "os.symlink",
    "shutil.copyfile", "shutil.copytree", "shutil.move",
})


#: Environment variables a grading kernel keeps: what Python, numpy, matplotlib, Jupyter and
#: the course read. Everything else is removed.
KEPT_NAMES: frozenset[str] = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM", "PWD",
    "TMPDIR", "TEMP", "TMP", "COLUMNS", "LINES", "VIRTUAL_ENV", "PYTHONHASHSEED",
    "PYTHONIOENCODING", "PYTHONUTF8", "MPLBACKEND", "MPLCONFIGDIR", "NBGRADER_EXECUTION",
    "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "IPYTHONDIR",
})

#: Prefixes of the environment variables a grading kernel keeps.
KEPT_PREFIXES: tuple[str, ...] = ("LC_", "XDG_", "OMP_", "OPENBLAS_", "MKL_", "NUMEXPR_",
                                  "BLIS_", "JPY_", "JUPYTER_", "PHASELAB_")

#: Kept names that are removed all the same: the gradebook's URL (with its password).
SECRET_VARIABLES: frozenset[str] = frozenset({"PHASELAB_GRADEBOOK_URL"})

#: Names that look like secrets, removed even under a kept prefix (``JUPYTER_TOKEN``).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|APIKEY|AUTH")

#: Values that carry a password: ``scheme://user:password@host``.
_SECRET_VALUE = re.compile(r"://[^/@\s]*:[^/@\s]*@")

#: Files of ``/proc`` that expose a process's environment, command line or memory.
_PROCESS_SECRETS = re.compile(r"^/proc/[^/]+(/task/[^/]+)?/(environ|cmdline|mem)$")


def _is_kept(name: str, value: str) -> bool:
    kept = name in KEPT_NAMES or name.startswith(KEPT_PREFIXES)
    return (kept and name not in SECRET_VARIABLES and not _SECRET_NAME.search(name.upper())
            and not _SECRET_VALUE.search(value))


def scrub_environment(environ: Any = None) -> list[str]:
    """Remove every variable a grading kernel does not need from ``environ`` (default:
    ``os.environ``); return the names removed, sorted.

    Kept: :data:`KEPT_NAMES` and the variables starting with :data:`KEPT_PREFIXES`, except :data:`SECRET_VARIABLES`, names that look like a token, key or password, and values
    holding a password in a URL.
    """
    environ = os.environ if environ is None else environ
    removed = sorted(name for name, value in environ.items() if not _is_kept(name, value))
    for name in removed:
        del environ[name]
    return removed


@dataclass(frozen=True)
class Limits:
    """Operating-system limits of a grading kernel."""

    cpu_seconds: int = 300
    address_space_bytes: int = 6 * 1024**3
    file_size_bytes: int = 256 * 1024**2
    output_bytes_per_cell: int = 2 * 1024**2


def _normalise(raw: str, cwd: str) -> str:
    """An absolute, ``..``-free form of ``raw`` computed with string methods alone.

    Nothing here looks up a module function at call time, so student code that patches
    ``os.path`` cannot change the answer. Symbolic links are not followed; creating one is
    itself checked by the guard.
    """
    path = raw if raw.startswith("/") else cwd + "/" + raw
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def protected_paths(course_root: Path | None, submission_dir: Path) -> Callable[[str], bool]:
    """Return a predicate telling whether a path is out of a submission's reach.

    Protected: ``solutions/`` and everything under ``autograde/`` except the submission's own
    folder, any database file anywhere, and the environment, command line and memory files of
    every process under ``/proc``. Paths are compared after normalisation by
    :func:`_normalise`, relative ones against the working directory of the moment.
    """
    own = os.path.realpath(os.fspath(submission_dir))
    root = os.path.realpath(os.fspath(course_root)) if course_root is not None else None
    fenced = (root + "/solutions", root + "/autograde") if root is not None else ()
    getcwd = os.getcwd
    process_secrets = _PROCESS_SECRETS.match

    def inside(path: str, folder: str) -> bool:
        return path == folder or path.startswith(folder + "/")

    def is_protected(raw: str) -> bool:
        path = _normalise(raw, getcwd())
        if path.endswith((".db", ".db-journal", ".sqlite", ".sqlite3")):
            return True
        if process_secrets(path):
            return True
        if inside(path, own):
            return False
        return any(inside(path, folder) for folder in fenced)

    return is_protected


class _CappedStream(io.TextIOBase):
    """A text stream that passes on at most ``limit`` characters per cell."""

    def __init__(self, inner: Any, limit: int, notices: Any) -> None:
        self.inner, self.limit, self.written, self.warned = inner, limit, 0, False
        self.notices = notices

    def write(self, text: str) -> int:
        room = self.limit - self.written
        if room > 0:
            self.inner.write(text[:room])
        elif not self.warned:
            self.warned = True
            self.notices.write(f"\n{NOTICE} output of this cell cut at {self.limit} characters\n")
        self.written += len(text)
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def new_cell(self) -> None:
        self.written, self.warned = 0, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _apply_limits(limits: Limits) -> None:
    """Lower this process's resource limits (a no-op where ``resource`` is unavailable)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    wanted = {
        resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds + 5),
        resource.RLIMIT_AS: (limits.address_space_bytes, limits.address_space_bytes),
        resource.RLIMIT_FSIZE: (limits.file_size_bytes, limits.file_size_bytes),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, (soft, hard) in wanted.items():
        old_soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


#: Environment variable that lowers the CPU limit (seconds), e.g. for tests of runaway loops.
CPU_SECONDS_VARIABLE = "PHASELAB_GRADING_CPU_SECONDS"


def default_limits() -> Limits:
    """The limits of a grading kernel, with ``$PHASELAB_GRADING_CPU_SECONDS`` if set."""
    seconds = os.environ.get(CPU_SECONDS_VARIABLE, "").strip()
    return Limits(cpu_seconds=int(seconds)) if seconds.isdigit() else Limits()


def arm(course_root: str | os.PathLike[str] | None = None, limits: Limits | None = None) -> None:
    """Install the guard in this (grading) kernel. Irreversible by design.

    Parameters
    ----------
    course_root
        The nbgrader course directory; its ``solutions/`` and ``autograde/`` folders (but not
        the working directory, which holds the submission) become unreadable.
    limits
        Operating-system limits for the kernel (default: :func:`default_limits`).
    """
    limits = limits or default_limits()
    scrub_environment()
    import math  # noqa: F401 - loaded so the snapshot covers it
    import numpy  # noqa: F401
    import numpy.testing  # noqa: F401

    import phaselab.checks  # noqa: F401 - its references are taken now, before any cell

    _import_all_of_phaselab()
    snapshot = integrity.take_snapshot()
    is_protected = protected_paths(Path(course_root) if course_root else None, Path.cwd())
    streams = []
    error_stream = sys.stderr
    for name in ("stdout", "stderr"):
        stream = _CappedStream(getattr(sys, name), limits.output_bytes_per_cell, error_stream)
        setattr(sys, name, stream)
        streams.append((name, stream))
    restore = integrity.restore
    notice_stream = sys.stderr
    # Everything the hook calls is bound now, while it is genuine.
    is_instance, set_attr, get_attr, fsdecode = isinstance, setattr, getattr, os.fsdecode
    path_types = (str, bytes, os.PathLike)

    def guard(event: str, args: tuple) -> None:
        if event == "exec":
            for name, stream in streams:
                stream.new_cell()
                if get_attr(sys, name) is not stream:
                    set_attr(sys, name, stream)
            undone = restore(snapshot)
            if undone:
                notice_stream.write(f"{NOTICE} undid changes made by earlier code: "
                                    + "; ".join(undone) + "\n")
            return
        if event in REFUSED_EVENTS:
            raise PermissionError(f"{NOTICE} {event} is not allowed while grading")
        if event == "object.__setattr__" and args[1:2] == ("__code__",):
            raise PermissionError(f"{NOTICE} replacing a function's code is not allowed")
        if event in PATH_EVENTS and args and is_instance(args[0], path_types):
            path = fsdecode(args[0])
            if is_protected(path):
                raise PermissionError(f"{NOTICE} {path} is out of reach while grading")

    _apply_limits(limits)
    sys.addaudithook(guard)


def _import_all_of_phaselab() -> None:
    """Load every phaselab module, so that the snapshot records the reference code too."""
    import importlib
    import pkgutil

    import phaselab

    for info in pkgutil.walk_packages(phaselab.__path__, prefix="phaselab."):
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional dependency missing: nothing to protect there
            continue


def kernel_start_line(course_root: str | os.PathLike[str]) -> str:
    """The Python line a grading kernel runs at start-up to arm the guard."""
    return f"import phaselab.sandbox as _guard; _guard.arm({os.fspath(course_root)!r}); del _guard"
