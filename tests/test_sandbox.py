"""The grading kernel's guard, exercised in fresh interpreters that play a notebook's cells.

Each "cell" is compiled and passed to ``exec`` as IPython does, which is what lets the guard
act before every cell.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from phaselab.sandbox import _normalise, scrub_environment

PLAYER = '''
import sys, traceback
from pathlib import Path
course, cells = sys.argv[1], sys.argv[2:]
import phaselab.sandbox as sandbox
sandbox.arm(course)
namespace = {}
for number, source in enumerate(cells):
    try:
        exec(compile(source, f"<cell {number}>", "exec"), namespace)
    except BaseException as error:
        sys.stderr.write(f"CELL {number} {type(error).__name__}: {error}\\n")
'''


def play(tmp_path: Path, *cells: str,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run cells one by one in a guarded interpreter whose working directory is a submission
    (with ``env`` added to its environment)."""
    course = tmp_path / "course"
    submission = course / "autograde" / "autograded" / "alice" / "00-orientation"
    submission.mkdir(parents=True, exist_ok=True)
    (course / "solutions" / "00-orientation").mkdir(parents=True, exist_ok=True)
    (course / "solutions" / "00-orientation" / "secret.txt").write_text("the answer is 42")
    (course / "autograde" / "gradebook.db").write_text("")
    other = course / "autograde" / "autograded" / "bob" / "00-orientation"
    other.mkdir(parents=True, exist_ok=True)
    (other / "work.txt").write_text("bob's work")
    return subprocess.run(
        [sys.executable, "-c", PLAYER, str(course), *map(textwrap.dedent, cells)],
        cwd=submission, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


WRONG_ANSWER_TEST = """
from phaselab.checks import check_close, CheckFailure
try:
    check_close(answer(), 1.0, name="answer()")
    sys.stdout.write("PASSED\\n")
except CheckFailure as failure:
    sys.stdout.write("FAILED " + str(failure).splitlines()[0] + "\\n")
"""


@pytest.mark.parametrize("attack", [
    "import builtins; builtins.abs = lambda x: 0",
    "import numpy; numpy.absolute = numpy.abs = lambda x: x * 0",
    "import phaselab.checks as c; c._absolute = lambda x: x * 0; "
    "c._verify_environment = lambda: None",
    "import phaselab.scaling as s; s.fit_power_law = lambda x, y: (1.0, 1.0)",
    "import sys, types; fake = types.ModuleType('phaselab.checks'); "
    "fake.check_close = lambda *a, **k: None; fake.CheckFailure = AssertionError; "
    "sys.modules['phaselab.checks'] = fake",
])
def test_tampering_is_undone_before_the_next_cell(tmp_path, attack) -> None:
    result = play(tmp_path, "import sys\ndef answer(): return 5.0", attack, WRONG_ANSWER_TEST)
    assert "FAILED answer(): 1 of 1 values differ" in result.stdout, result.stderr
    assert "[grading guard] undid changes" in result.stderr


def test_patched_reference_code_is_restored_before_the_tests(tmp_path) -> None:
    result = play(tmp_path, "import phaselab.scaling as s\ns.fit_power_law = lambda x, y: (9, 9)",
                  "import sys\nfrom phaselab import scaling\n"
                  "sys.stdout.write(str(scaling.fit_power_law([1, 10], [1, 0.1])))")
    assert result.stdout.startswith("(1.0, ") and "(9, 9)" not in result.stdout, result.stderr


def test_honest_work_after_tampering_still_earns_its_marks(tmp_path) -> None:
    result = play(tmp_path, "import sys\ndef answer(): return 1.0",
                  "import builtins; builtins.len = lambda x: 0", WRONG_ANSWER_TEST)
    assert "PASSED" in result.stdout, result.stderr


@pytest.mark.parametrize("cell, event", [
    ("import os; os.fork()", "os.fork"),
    ("import subprocess; subprocess.run(['true'])", "subprocess.Popen"),
    ("import os; os.system('true')", "os.system"),
    ("import ctypes; ctypes.CDLL(None)", "ctypes.dlopen"),
    ("import gc; gc.get_objects()", "gc.get_objects"),
    ("import sys; sys.settrace(lambda *a: None)", "sys.settrace"),
    ("import sqlite3; sqlite3.connect('x.sqlite')", "sqlite3.connect"),
    ("import socket; socket.create_connection(('127.0.0.1', 9))", "socket.connect"),
    ("def f(): pass\nf.__code__ = (lambda: 1).__code__", "replacing a function's code"),
])
def test_dangerous_operations_are_refused(tmp_path, cell, event) -> None:
    result = play(tmp_path, cell)
    assert "CELL 0 PermissionError" in result.stderr and event in result.stderr, result.stderr


@pytest.mark.parametrize("path", [
    "../../../../solutions/00-orientation/secret.txt",
    "../../bob/00-orientation/work.txt",
    "../../../gradebook.db",
    "../../../../solutions",
])
def test_solutions_gradebook_and_other_students_are_out_of_reach(tmp_path, path) -> None:
    reader = f"import os\np = {path!r}\nprint(os.listdir(p) if not p.endswith(('txt', 'db')) else open(p).read())"
    result = play(tmp_path, reader)
    assert "PermissionError" in result.stderr and "out of reach" in result.stderr, result.stderr
    assert "42" not in result.stdout and "bob's work" not in result.stdout


def test_patching_os_path_does_not_open_the_fence(tmp_path) -> None:
    result = play(tmp_path, "import os.path, posixpath\nos.path.abspath = posixpath.abspath = "
                  "lambda p: '/tmp/x'\nos.path.realpath = lambda p: '/tmp/x'",
                  "print(open('../../../../solutions/00-orientation/secret.txt').read())")
    assert "out of reach" in result.stderr and "42" not in result.stdout


def test_the_submission_folder_stays_usable(tmp_path) -> None:
    result = play(tmp_path, "open('notes.txt', 'w').write('mine')\nprint(open('notes.txt').read())",
                  "import numpy as np, matplotlib\nmatplotlib.use('Agg')\n"
                  "import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.savefig('fig.png')\n"
                  "print(np.linalg.svd(np.eye(50))[1].sum())")
    assert "mine" in result.stdout and "50.0" in result.stdout, result.stderr


def test_output_flooding_is_cut(tmp_path) -> None:
    result = play(tmp_path, "import sys\nfor _ in range(200_000): sys.stdout.write('x' * 100)",
                  "print('next cell prints again')")
    assert len(result.stdout) < 3 * 1024**2
    assert "output of this cell cut" in result.stderr
    assert "next cell prints again" in result.stdout


def test_memory_bomb_is_stopped_by_the_address_space_limit(tmp_path) -> None:
    result = play(tmp_path, "blob = bytearray(16 * 1024**3)", "print('still alive')")
    assert "CELL 0 MemoryError" in result.stderr and "still alive" in result.stdout


def test_cpu_limit_kills_a_loop_that_swallows_interrupts(tmp_path) -> None:
    loop = "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass"
    course = tmp_path / "course"
    course.mkdir()
    result = subprocess.run([sys.executable, "-c", PLAYER, str(course), loop],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PHASELAB_GRADING_CPU_SECONDS": "2"})
    assert result.returncode < 0, (result.returncode, result.stderr)


def test_normalise_resolves_dots_without_the_file_system() -> None:
    assert _normalise("../../a/./b/../c", "/x/y/z") == "/x/a/c"
    assert _normalise("/a/../../b//c", "/ignored") == "/b/c"
    assert _normalise("", "/w") == "/w"


SECRETS = {
    "PHASELAB_GRADEBOOK_URL": "postgresql://grader:hunter2@db.example.org/course",
    "JUPYTERHUB_API_TOKEN": "hub-token-123",
    "JUPYTER_TOKEN": "server-token-456",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-789",
    "PGPASSWORD": "hunter2",
    "MIRROR_URL": "https://someone:pa55word@mirror.example.org/simple",
}


def test_secrets_in_the_environment_are_removed() -> None:
    environ = {"PATH": "/usr/bin", "HOME": "/home/grader", "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": "1", "PHASELAB_DATA": "/course/data",
               "JPY_PARENT_PID": "12", "MPLBACKEND": "Agg", **SECRETS}
    removed = scrub_environment(environ)
    assert removed == sorted(SECRETS)
    assert set(environ) == {"PATH", "HOME", "LANG", "OMP_NUM_THREADS", "PHASELAB_DATA",
                            "JPY_PARENT_PID", "MPLBACKEND"}


def test_a_grading_kernel_cannot_print_the_instructors_secrets(tmp_path) -> None:
    result = play(tmp_path,
                  "import os\nprint(dict(os.environ))",
                  "print(open('/proc/self/environ', 'rb').read())",
                  "import os\nprint(open(f'/proc/{os.getppid()}/environ', 'rb').read())",
                  "print(open('/proc/self/cmdline', 'rb').read())",
                  "print(open('/proc/self/task/../../self/mem', 'rb').read(10))",
                  "import os\nprint('HOME' in os.environ, os.environ.get('PHASELAB_DATA'))",
                  env={**SECRETS, "PHASELAB_DATA": "/course/data"})
    for value in SECRETS.values():
        assert value not in result.stdout and value not in result.stderr
    for cell in (1, 2, 3, 4):
        assert f"CELL {cell} PermissionError" in result.stderr, result.stderr
    assert "True /course/data" in result.stdout, result.stderr
