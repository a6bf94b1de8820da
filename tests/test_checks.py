"""Unit tests of the checking helper, including every tampering attack it must withstand.

Attacks run in a fresh interpreter (``run_isolated``) so that rebinding builtins or numpy cannot
leak into the rest of the test session.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phaselab.checks import (
    CheckFailure,
    check_array,
    check_close,
    check_equal,
    check_one_of,
    check_raises,
    check_true,
)

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


# --- check_close: accepts what is right ---------------------------------------------------------

@given(st.lists(finite, min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_check_close_accepts_equal_values_in_any_container(values: list[float]) -> None:
    check_close(values, np.array(values), name="x")
    check_close(tuple(values), values, name="x")
    check_close(np.array(values, dtype=np.float32), values, name="x", rtol=1e-6, atol=1e-30 + 1e-6)


@given(finite, st.floats(min_value=-0.9, max_value=0.9))
@settings(max_examples=60, deadline=None)
def test_check_close_accepts_anything_within_relative_tolerance(value: float, wiggle: float) -> None:
    check_close(value * (1 + 1e-3 * wiggle), value, name="x", rtol=1e-3)


def test_check_close_accepts_scalars_of_any_numeric_type() -> None:
    for answer in (2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0), np.array([2.0])):
        check_close(answer, 2.0, name="x")


def test_check_close_matches_infinities_and_nans_only_where_expected() -> None:
    check_close([math.inf, 1.0], [math.inf, 1.0], name="x")
    check_close([math.nan, 1.0], [math.nan, 1.0], name="x")
    with pytest.raises(CheckFailure, match="NaN or infinite"):
        check_close([math.nan, 1.0], [2.0, 1.0], name="x")
    with pytest.raises(CheckFailure):
        check_close([1.0, 1.0], [math.nan, 1.0], name="x")
    with pytest.raises(CheckFailure):
        check_close(math.nan, math.inf, name="x")


# --- check_close: rejects what is wrong, with useful messages ------------------------------------

@given(finite.filter(lambda v: abs(v) > 1e-6), st.floats(min_value=1e-2, max_value=10))
@settings(max_examples=60, deadline=None)
def test_check_close_rejects_values_outside_tolerance(value: float, error: float) -> None:
    with pytest.raises(CheckFailure):
        check_close(value * (1 + error), value, name="x", rtol=1e-3)


@pytest.mark.parametrize("answer, expected, diagnosis", [
    (np.log10([2.0, 3.0]), np.log([2.0, 3.0]), "base-10 logarithm where the natural"),
    (np.log([2.0, 3.0]), np.log10([2.0, 3.0]), "natural logarithm where base 10"),
    ([2.0, 4.0], [1.0, 2.0], "factor of 2 too many"),
    ([-1.0, -2.0], [1.0, 2.0], "sign error"),
    ([3.0, 4.0, 5.0], [1.3, 2.3, 3.3], "constant offset of 1.7"),
    ([100.0, 20.0], [1.0, 0.2], "percentage"),
])
def test_visible_failures_diagnose_common_slips(answer, expected, diagnosis) -> None:
    with pytest.raises(CheckFailure, match=diagnosis):
        check_close(answer, expected, name="quantity")


def test_visible_failure_names_quantity_worst_element_and_tolerance() -> None:
    with pytest.raises(CheckFailure) as failure:
        check_close([1.0, 2.0, 3.5], [1.0, 2.0, 3.0], name="loss(N)", rtol=1e-4, hint="look here")
    message = str(failure.value)
    for part in ("loss(N)", "1 of 3", "index (2,)", "got 3.5", "expected 3", "rtol=0.0001",
                 "Hint: look here"):
        assert part in message


def test_hidden_failure_never_reveals_the_expected_value() -> None:
    secret = 1234.5678
    with pytest.raises(CheckFailure) as failure:
        check_close(2 * secret, secret, name="hidden thing", hidden=True, hint="check the factor")
    message = str(failure.value)
    assert "1234.57" not in message and "1234.5678" not in message
    assert "times" not in message and "factor of 2" not in message
    assert "your value is 2469.14" in message and "Hint: check the factor" in message


@pytest.mark.parametrize("answer, match", [
    (None, "forget to `return`"),
    (..., "placeholder"),
    ("3.0", "numeric"),
    ({"a": 1}, "numeric"),
    ([1.0, 2.0], "shape"),
    (np.zeros((1, 3)), "shape"),
])
def test_malformed_answers_get_clear_messages(answer, match) -> None:
    with pytest.raises(CheckFailure, match=match):
        check_close(answer, [1.0, 2.0, 3.0] if match == "shape" else 3.0, name="x")


def test_a_student_object_that_raises_is_reported_not_crashing() -> None:
    class Broken:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(CheckFailure, match="could not be read as numbers: RuntimeError: boom"):
        check_close(Broken(), 1.0, name="x")


def test_a_lying_ndarray_subclass_is_compared_by_its_data() -> None:
    class Liar(np.ndarray):
        def __sub__(self, other):
            return np.zeros_like(np.asarray(self))

        def __eq__(self, other):
            return True

    lie = np.array([5.0, 6.0]).view(Liar)
    with pytest.raises(CheckFailure):
        check_close(lie, [1.0, 2.0], name="x")


# --- the other checks --------------------------------------------------------------------------

def test_check_array_checks_shape_kind_and_finiteness() -> None:
    out = check_array([[1.0, 2.0]], name="a", shape=(1, None), kind="f")
    assert isinstance(out, np.ndarray) and out.shape == (1, 2)
    with pytest.raises(CheckFailure, match="shape"):
        check_array([1.0, 2.0], name="a", shape=(3,))
    with pytest.raises(CheckFailure, match="dtype"):
        check_array([1, 2], name="a", kind="f")
    with pytest.raises(CheckFailure, match="NaN"):
        check_array([1.0, math.nan], name="a")


def test_check_equal_compares_plain_values_and_ignores_custom_eq() -> None:
    check_equal(np.int64(3), 3, name="n")
    check_equal([1, "a", True], (1, "a", True), name="t")
    check_equal(3.0, 3, name="n")

    class AlwaysEqual(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    with pytest.raises(CheckFailure, match="'data-limited'; expected 'capacity-limited'"):
        check_equal(AlwaysEqual("data-limited"), "capacity-limited", name="regime")
    with pytest.raises(CheckFailure) as failure:
        check_equal(4, 5, name="n", hidden=True)
    assert "5" not in str(failure.value).replace("n is 4", "")
    with pytest.raises(CheckFailure, match="boolean"):
        check_equal(True, 1, name="n")


def test_check_one_of_and_check_true_and_check_raises() -> None:
    check_one_of("data-limited", ("capacity-limited", "data-limited"), name="regime")
    with pytest.raises(CheckFailure, match="must be one of"):
        check_one_of("compute", ("capacity-limited", "data-limited"), name="regime")
    check_true(np.bool_(True), "fine")
    with pytest.raises(CheckFailure, match="did not produce a boolean"):
        check_true(1, "not a bool")
    with pytest.raises(CheckFailure, match="wrong"):
        check_true(False, "wrong")
    check_raises(int, "x", exception=ValueError, name="int('x')")
    with pytest.raises(CheckFailure, match="returned normally"):
        check_raises(int, "3", exception=ValueError, name="int('3')")
    with pytest.raises(CheckFailure, match="raised TypeError"):
        check_raises(int, None, exception=ValueError, name="int(None)")


# --- tampering ---------------------------------------------------------------------------------

def run_isolated(student_code: str, test_code: str) -> subprocess.CompletedProcess[str]:
    """Import the checks, run 'student' code, then 'test' code, in a fresh interpreter."""
    program = "from phaselab.checks import check_close, CheckFailure\n" + textwrap.dedent(
        student_code) + "\n" + textwrap.dedent(test_code)
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60)


WRONG_ANSWER_TEST = """
import sys
from phaselab.checks import check_close, CheckFailure
try:
    check_close(answer(), 1.0, name="answer()")
except CheckFailure as failure:
    sys.stdout.write("CAUGHT: " + str(failure))
else:
    sys.stdout.write("FOOLED")
"""

ATTACKS = {
    "rebinding abs in the namespace": "abs = lambda x: 0\ndef answer(): return 5.0",
    "rebinding builtins.abs": "import builtins\nbuiltins.abs = lambda x: 0\ndef answer(): return 5.0",
    "rebinding builtins.round": "import builtins\nbuiltins.round = lambda *a: 1.0\ndef answer(): return 5.0",
    "rebinding builtins.len": "import builtins\nbuiltins.len = lambda x: 0\ndef answer(): return 5.0",
    "rebinding builtins.isinstance":
        "import builtins\nbuiltins.isinstance = lambda *a: True\ndef answer(): return 5.0",
    "rebinding builtins.float": "import builtins\nbuiltins.float = lambda x: 1.0\ndef answer(): return 5.0",
    "rebinding builtins.all": "import builtins\nbuiltins.all = lambda x: True\ndef answer(): return 5.0",
    "rebinding builtins.print": "import builtins\nbuiltins.print = lambda *a: None\ndef answer(): return 5.0",
    "replacing numpy.allclose":
        "import numpy\nnumpy.allclose = lambda *a, **k: True\ndef answer(): return 5.0",
    "replacing numpy.isclose":
        "import numpy\nnumpy.isclose = lambda *a, **k: True\ndef answer(): return 5.0",
    "replacing numpy.abs and absolute":
        "import numpy\nnumpy.abs = numpy.absolute = lambda x: x * 0\ndef answer(): return 5.0",
    "replacing numpy.testing.assert_allclose":
        "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
        "def answer(): return 5.0",
    "replacing math.isclose": "import math\nmath.isclose = lambda *a, **k: True\ndef answer(): return 5.0",
    "patching the checks module":
        "import phaselab.checks as c\nc._absolute = lambda x: x * 0\ndef answer(): return 5.0",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_tampering_never_turns_a_wrong_answer_into_a_pass(attack: str) -> None:
    result = run_isolated(ATTACKS[attack], WRONG_ANSWER_TEST)
    assert "CAUGHT" in result.stdout, (result.stdout, result.stderr)
    assert "FOOLED" not in result.stdout


@pytest.mark.parametrize("attack", [a for a in sorted(ATTACKS) if "namespace" not in a
                                    and "checks module" not in a])
def test_tampering_with_modules_fails_closed_with_a_clear_message(attack: str) -> None:
    result = run_isolated(ATTACKS[attack].replace("return 5.0", "return 1.0"), WRONG_ANSWER_TEST)
    assert "CAUGHT: The checks cannot be trusted" in result.stdout, (result.stdout, result.stderr)
    assert "was rebound" in result.stdout


def test_a_fake_checks_module_in_sys_modules_is_detected_by_the_real_one() -> None:
    student = """
        import sys, types
        real = sys.modules["phaselab.checks"]
        fake = types.ModuleType("phaselab.checks")
        fake.check_close = lambda *a, **k: None
        sys.modules["phaselab.checks"] = fake
        def answer(): return 5.0
    """
    test = """
        try:
            real.check_close(1.0, 1.0, name="x")
        except real.CheckFailure as failure:
            print("CAUGHT:", failure)
    """
    result = run_isolated(student, test)
    assert "sys.modules['phaselab.checks'] was replaced" in result.stdout, result.stderr


def test_checks_imported_after_builtins_were_replaced_fail_closed() -> None:
    program = textwrap.dedent("""
        import builtins
        builtins.abs = lambda x: 0
        from phaselab.checks import check_close, CheckFailure
        try:
            check_close(1.0, 1.0, name="x")
        except CheckFailure as failure:
            print("CAUGHT:", failure)
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            timeout=60)
    assert "builtins.abs was already replaced" in result.stdout, result.stderr


def test_a_student_object_cannot_tamper_during_the_check() -> None:
    student = """
        import builtins
        class Sneaky:
            def __array__(self, *args, **kwargs):
                builtins.abs = lambda x: 0
                import numpy
                return numpy.array(5.0)
        def answer(): return Sneaky()
    """
    result = run_isolated(student, WRONG_ANSWER_TEST)
    assert "CAUGHT: The checks cannot be trusted" in result.stdout, (result.stdout, result.stderr)


def test_an_infinite_reference_accepts_only_the_same_infinity() -> None:
    check_close(math.inf, math.inf, name="x")
    for answer in (1e300, 0.0, -math.inf):
        with pytest.raises(CheckFailure):
            check_close(answer, math.inf, name="x")
    with pytest.raises(CheckFailure):
        check_close([1.0, 5.0], [1.0, -math.inf], name="x")
