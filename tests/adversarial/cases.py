"""The adversarial class: each case a real submission of lesson 00 plus one attack.

Every submission starts from the reference answers (:func:`autograde.notebooks.fill_answers`),
so the marks the honest part deserves are known exactly: ``loses`` names the test cells that
must score zero (the exercise the attack tried to pass without solving it, or the cell the
attack breaks). ``outcome`` is what the grading must report: ``graded`` (with ``note``, a
fragment the instructor's message must contain) or ``refused`` (with the refusal ``note``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import nbformat

from autograde import notebooks
from tests.classroom_fixtures import Lesson
from tests.conftest import wrong_answer_cases

ASSIGNMENT = "00-orientation"

#: A wrong first exercise: the slip of the known wrong answers (sign of the slope forgotten).
WRONG_EX1 = next(c for c in wrong_answer_cases(ASSIGNMENT) if c["cell"] == "ex1_exponent")

# Sources appended to (or replacing) an answer cell. Each leaves exercise 1 wrong and then
# tries to make its test pass anyway.
BUILTINS = """
import builtins
builtins.abs = lambda x: 0.0
builtins.round = lambda x, n=0: 0.0
builtins.len = lambda x: 0
builtins.isinstance = lambda *a: True
builtins.float = lambda x=0: 0.0
builtins.all = lambda x: True
builtins.print = lambda *a, **k: None
"""
NUMPY = """
import math
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_almost_equal = lambda *a, **k: None
math.isclose = lambda *a, **k: True
"""
FAKE_MODULE = """
import sys, types
fake = types.ModuleType("phaselab.checks")
fake.check_close = lambda *a, **k: None
fake.check_true = lambda *a, **k: None
fake.__getattr__ = lambda name: (lambda *a, **k: None)
sys.modules["phaselab.checks"] = fake
pkg = types.ModuleType("phaselab")
pkg.checks = fake
pkg.__path__ = []
sys.modules["phaselab"] = pkg
"""
MONKEYPATCH = """
import phaselab.checks
for _name in dir(phaselab.checks):
    if _name.startswith("check"):
        setattr(phaselab.checks, _name, lambda *a, **k: None)
"""
TRACEBACK = """
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
"""
SYS_EXIT = "\nimport sys\nsys.exit(0)\n"
OS_EXIT = "\nimport os\nos._exit(0)\n"
RAISE_SYSTEM_EXIT = "\nraise SystemExit(0)\n"
RAISE_KEYBOARD_INTERRUPT = "\nraise KeyboardInterrupt\n"
LOOP = "while True:\n    pass\n"
STUBBORN_LOOP = """
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""
MEMORY_BOMB = "\nimport numpy\nbomb = numpy.ones((10**6, 10**6))\n"
FORK_BOMB = """
import os, subprocess
try:
    while True:
        os.fork()
finally:
    subprocess.Popen(["sh", "-c", ":(){ :|:& };:"])
"""
FLOOD = "\nfor _ in range(200_000):\n    print('flood ' * 50)\n"
SECRETS = """
import os
print("environment:", dict(os.environ))
for path in ("/proc/self/environ", f"/proc/{os.getppid()}/environ",
             f"/proc/{os.getppid()}/cmdline"):
    try:
        print(path, open(path, "rb").read())
    except Exception as error:
        print("refused:", error)
"""


def steal_solution(root: str, student: str) -> str:
    """An answer to exercise 4 that only works by reading the course's solutions from disk,
    then tries to write the gradebook and another student's submission."""
    return f"""
import json, sqlite3
try:
    with open({root!r} + "/solutions/00-orientation/00-orientation.ipynb") as f:
        cells = json.load(f)["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c["metadata"].get("nbgrader", {{}}).get("grade_id") == "ex4_doublings")
    exec(source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
except Exception as error:
    print("no solutions:", error)
for attack in (
    lambda: sqlite3.connect({root!r} + "/autograde/gradebook.db").execute(
        "update grade set manual_score = 100"),
    lambda: open({root!r} + "/autograde/gradebook.db", "r+b").write(b"garbage"),
    lambda: open({root!r} + "/autograde/submitted/{student}/00-orientation/00-orientation.ipynb",
                 "w").write("{{}}"),
    lambda: open({root!r} + "/autograde/autograded/{student}/00-orientation/00-orientation.ipynb",
                 "w").write("{{}}"),
):
    try:
        attack()
        print("ATTACK SUCCEEDED")
    except Exception as error:
        print("refused:", error)
"""


@dataclass(frozen=True)
class Case:
    """One adversarial (or honest) student."""

    student: str
    what: str
    build: Callable[[Lesson], bytes]  # the submitted file's bytes
    loses: frozenset[str] = frozenset()
    outcome: str = "graded"  # "graded" or "refused"
    note: str = ""  # fragment of the instructor's message ("" for none expected)


def notebook_bytes(notebook) -> bytes:
    return nbformat.writes(notebook).encode()


def answers(lesson: Lesson, **changes: str) -> bytes:
    """The reference answers with some answer cells replaced, as a file."""
    return notebook_bytes(notebooks.fill_answers(lesson.release, lesson.reference | changes))


def wrong_ex1_plus(attack: str) -> Callable[[Lesson], bytes]:
    """Exercise 1 wrong, then ``attack`` in the same answer cell; the rest correct."""
    return lambda lesson: answers(lesson, ex1_exponent=WRONG_EX1["source"] + attack)


def ex1_then(attack: str, before: bool = False) -> Callable[[Lesson], bytes]:
    """Exercise 1 correct with ``attack`` after (or before) it; the rest correct."""
    def build(lesson: Lesson) -> bytes:
        ref = lesson.reference["ex1_exponent"]
        return answers(lesson, ex1_exponent=attack + "\n" + ref if before else ref + attack)
    return build


def _structural(change: Callable[[object, Lesson], None]) -> Callable[[Lesson], bytes]:
    def build(lesson: Lesson) -> bytes:
        notebook = notebooks.fill_answers(lesson.release, lesson.reference)
        change(notebook, lesson)
        return notebook_bytes(notebook)
    return build


def _index(notebook, grade_id: str) -> int:
    return next(k for k, c in enumerate(notebook.cells)
                if notebooks.nbgrader_meta(c).get("grade_id") == grade_id)


def _delete_test(nb, lesson) -> None:
    nb.cells[_index(nb, "ex1_exponent_tests")].source  # exists
    del nb.cells[_index(nb, "ex1_exponent_tests")]
    nb.cells[_index(nb, "ex1_exponent")].source = WRONG_EX1["source"]


def _edit_test(nb, lesson) -> None:
    nb.cells[_index(nb, "ex1_exponent_tests")].source = "pass"
    nb.cells[_index(nb, "ex1_exponent")].source = WRONG_EX1["source"]


def _duplicate_test(nb, lesson) -> None:
    k = _index(nb, "ex2_fit_tests")
    nb.cells.insert(k, nbformat.from_dict(json.loads(json.dumps(nb.cells[k]))))


def _reorder(nb, lesson) -> None:
    k = _index(nb, "ex4_doublings_tests")
    cell = nb.cells.pop(k)
    nb.cells.insert(_index(nb, "ex1_exponent"), cell)  # the test before anything is defined


def _points(nb, lesson) -> None:
    meta = nb.cells[_index(nb, "ex1_exponent_tests")].metadata["nbgrader"]
    meta["points"] = 100.0
    nb.cells[_index(nb, "ex1_exponent")].source = WRONG_EX1["source"]


def _grade_ids(nb, lesson) -> None:
    nb.cells[_index(nb, "ex2_fit_tests")].metadata["nbgrader"]["grade_id"] = "mine"
    nb.cells[_index(nb, "ex3_floor")].metadata["nbgrader"]["grade_id"] = "my_answer"


def _cell_type(nb, lesson) -> None:
    k = _index(nb, "ex1_exponent_tests")
    cell = nb.cells[k]
    nb.cells[k] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    nb.cells[_index(nb, "ex1_exponent")].source = WRONG_EX1["source"]


def _outside(nb, lesson) -> None:
    """Exercise 3 left as the stub, its solution written in a new cell and in the set-up."""
    k = _index(nb, "ex3_floor")
    nb.cells[k].source = lesson.release.cells[k].source
    nb.cells.insert(k + 1, nbformat.v4.new_code_cell(lesson.reference["ex3_floor"]))
    setup = nb.cells[_index(nb, "setup")]
    setup.source += "\n" + lesson.reference["ex3_floor"]


def _kernel(nb, lesson) -> None:
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}


def _version3(lesson: Lesson) -> bytes:
    notebook = notebooks.fill_answers(lesson.release, lesson.reference)
    return nbformat.writes(nbformat.convert(notebook, 3), version=3).encode()


def _latin1(lesson: Lesson) -> bytes:
    source = "# r\u00e9ponse : la pente\n" + lesson.reference["ex1_exponent"]
    text = json.dumps(notebooks.fill_answers(lesson.release, lesson.reference
                                             | {"ex1_exponent": source}), ensure_ascii=False)
    return text.encode().replace("\u00e9".encode(), b"\xe9")  # one letter saved as Latin-1


def _too_large(lesson: Lesson) -> bytes:
    notebook = notebooks.fill_answers(lesson.release, lesson.reference)
    notebook.cells[0].source += "\n" + "x" * (21 * 1024**2)
    return notebook_bytes(notebook)


def _format_99(lesson: Lesson) -> bytes:
    data = json.loads(answers(lesson))
    data["nbformat"] = 99
    return json.dumps(data).encode()


EX1, EX2, EX3, EX4 = (f"{g}_tests" for g in ("ex1_exponent", "ex2_fit", "ex3_floor",
                                             "ex4_doublings"))


def build_cases(course_root: str) -> list[Case]:
    """Every case of the suite, honest students first."""
    one = frozenset({EX1})
    return [
        Case("honest_a", "all correct", lambda l: answers(l)),
        Case("honest_b", "exercise 1 wrong", wrong_ex1_plus(""), one),
        Case("honest_c", "blank", lambda l: notebook_bytes(l.release), frozenset({EX1, EX2, EX3,
                                                                                 EX4})),
        # Tampering with what the checks rely on
        Case("adv_builtins", "rebinds abs, round, len, isinstance, float, all, print",
             wrong_ex1_plus(BUILTINS), one),
        Case("adv_numpy", "replaces np.allclose, np.isclose, np.testing.*, math.isclose",
             wrong_ex1_plus(NUMPY), one),
        Case("adv_fake_module", "plants fake phaselab and phaselab.checks modules",
             wrong_ex1_plus(FAKE_MODULE), one),
        Case("adv_monkeypatch", "monkeypatches phaselab.checks", wrong_ex1_plus(MONKEYPATCH),
             one),
        Case("adv_traceback", "silences IPython's traceback display",
             wrong_ex1_plus(TRACEBACK), one),
        # Ending the kernel or the cell
        Case("adv_sys_exit", "calls sys.exit() after a correct answer", ex1_then(SYS_EXIT)),
        Case("adv_system_exit", "raises SystemExit", wrong_ex1_plus(RAISE_SYSTEM_EXIT), one),
        Case("adv_keyboard", "raises KeyboardInterrupt", ex1_then(RAISE_KEYBOARD_INTERRUPT)),
        Case("adv_os_exit", "calls os._exit() after exercise 1", ex1_then(OS_EXIT), one,
             note="was stopped"),
        # Resource abuse
        Case("adv_loop", "an infinite loop before exercise 1's function",
             ex1_then(LOOP, before=True), one),
        Case("adv_stubborn_loop", "a loop that swallows KeyboardInterrupt",
             ex1_then(STUBBORN_LOOP), one, note="was stopped"),
        Case("adv_memory", "a memory bomb", wrong_ex1_plus(MEMORY_BOMB), one),
        Case("adv_fork", "a fork bomb", wrong_ex1_plus(FORK_BOMB), one),
        Case("adv_flood", "floods the output", ex1_then(FLOOD)),
        Case("adv_secrets", "prints the environment of the grading processes",
             ex1_then(SECRETS)),
        Case("adv_steal", "reads the solutions, writes the gradebook and other files",
             lambda l: answers(l, ex4_doublings=steal_solution(course_root, "honest_a")),
             frozenset({EX4})),
        # Structure
        Case("adv_deleted_test", "deletes exercise 1's test cell", _structural(_delete_test),
             one, note="test cell ex1_exponent_tests was deleted"),
        Case("adv_edited_test", "replaces exercise 1's test by pass", _structural(_edit_test),
             one, note="test cell ex1_exponent_tests was edited"),
        Case("adv_duplicated_test", "duplicates a test cell", _structural(_duplicate_test),
             note="appears 2 times"),
        Case("adv_reordered", "moves a test cell", _structural(_reorder), note="moved"),
        Case("adv_points", "gives exercise 1's test 100 points", _structural(_points), one,
             note="grading metadata"),
        Case("adv_grade_ids", "renames a test's and an answer's grade ids",
             _structural(_grade_ids), note="matched by position"),
        Case("adv_cell_type", "turns a test cell into markdown", _structural(_cell_type), one,
             note="grading metadata"),
        Case("adv_outside", "writes exercise 3 outside its answer cell", _structural(_outside),
             frozenset({EX3}), note="outside the answer cells"),
        # Malformed files
        Case("bad_json", "invalid JSON", lambda l: answers(l)[:5000], outcome="refused",
             note="not valid JSON"),
        Case("bad_version", "notebook format 3", _version3, note="format 3"),
        Case("bad_version_99", "notebook format 99", _format_99, outcome="refused",
             note="format version 99"),
        Case("bad_kernel", "another kernel", _structural(_kernel), note="kernel 'ir'"),
        Case("bad_encoding", "Latin-1 bytes", _latin1, note="not UTF-8"),
        Case("bad_empty", "an empty file", lambda l: b"", outcome="refused", note="empty"),
        Case("bad_large", "a 21 MB file", _too_large, outcome="refused", note="MB"),
    ]
