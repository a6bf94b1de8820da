"""The one checking helper every test cell of the course uses.

Test cells compare a student's answer with the reference through these functions and never
through ``assert abs(...) < tol`` or ``np.allclose``: student code runs in the same kernel and
could rebind any of those. Here the student's value is first turned into a plain numpy array
(the only step that may run student code, through ``__array__`` or ``__float__``), then the
environment is checked for tampering (:mod:`phaselab.integrity`), and only then compared, with
references to numpy taken when this module was imported.

Failure messages name the quantity and say how the answer differs: shape, dtype, the worst
element, the tolerance and, for the visible tests, the expected value and a diagnosis of
common slips (a factor of ln 10, a constant offset...). With ``hidden=True`` a message never
contains the expected value or anything it could be recovered from.

Examples
--------
>>> from phaselab.checks import check_close
>>> check_close(6 * 1e9 * 2e10, 1.2e20, name="training FLOPs")
"""

from __future__ import annotations

from typing import Any

import math as _math  # noqa: F401 - loaded so that tampering with it is noticed
import numpy as _np
import numpy.testing as _np_testing  # noqa: F401 - loaded so that tampering with it is noticed

from phaselab import integrity as _integrity

__all__ = [
    "CheckFailure",
    "check_array",
    "check_close",
    "check_equal",
    "check_one_of",
    "check_raises",
    "check_true",
]

# References taken at import; test cells import this module before any student code runs.
_asarray = _np.asarray
_isfinite = _np.isfinite
_isnan = _np.isnan
_absolute = _np.absolute
_maximum = _np.maximum
_logical_or = _np.logical_or
_logical_and = _np.logical_and
_logical_not = _np.logical_not
_add = _np.add
_argmax = _np.argmax
_unravel_index = _np.unravel_index
_ndarray = _np.ndarray
_float64 = _np.float64
_errstate = _np.errstate
_STR = ("").__class__
_INT = (0).__class__
_BOOL = (True).__class__
_FLOAT = (0.0).__class__
_TUPLE = (()).__class__
_LIST = ([]).__class__
_TRUSTED_NAMES = (
    (_asarray, "asarray"), (_isfinite, "isfinite"), (_isnan, "isnan"),
    (_absolute, "absolute"), (_maximum, "maximum"), (_logical_or, "logical_or"),
    (_logical_and, "logical_and"), (_logical_not, "logical_not"), (_add, "add"),
    (_argmax, "argmax"), (_unravel_index, "unravel_index"),
)

#: Ratios between an answer and the reference that usually have a simple cause.
_KNOWN_FACTORS: tuple[tuple[float, str], ...] = (
    (2.302585092994046, "ln 10: a natural logarithm where base 10 is needed?"),
    (1 / 2.302585092994046, "1/ln 10: a base-10 logarithm where the natural one is needed?"),
    (0.6931471805599453, "ln 2: a natural logarithm where base 2 is needed?"),
    (1.4426950408889634, "1/ln 2: a base-2 logarithm where the natural one is needed?"),
    (-1.0, "-1: a sign error?"),
    (2.0, "2: a factor of 2 too many?"),
    (0.5, "1/2: a missing factor of 2?"),
    (3.0, "3: a missing or extra factor of 3?"),
    (1 / 3, "1/3: a missing factor of 3?"),
    (6.0, "6: a factor of 6 too many?"),
    (1 / 6, "1/6: a missing factor of 6?"),
    (10.0, "10: an order of magnitude?"),
    (0.1, "1/10: an order of magnitude?"),
    (100.0, "100: a percentage where a fraction is expected?"),
    (0.01, "1/100: a fraction where a percentage is expected?"),
)


class CheckFailure(AssertionError):
    """Raised by every check that fails; a subclass of ``AssertionError``."""


def _fail(message: str, hint: str | None = None) -> None:
    """Raise :class:`CheckFailure` with ``message`` and an optional hint."""
    if hint:
        message = f"{message}\nHint: {hint}"
    raise CheckFailure(message)


def _verify_environment() -> None:
    """Fail closed if anything the checks rely on was rebound."""
    problems = _integrity.find_tampering(_SNAPSHOT)
    for function, expected_name in _TRUSTED_NAMES:
        if function.__name__ != expected_name:
            problems.append(f"numpy.{expected_name} was already replaced when the checks started")
    if problems:
        listed = "\n  - ".join(problems)
        _fail(
            "The checks cannot be trusted in this kernel: code in the notebook changed what "
            f"they rely on.\n  - {listed}\nRemove that code, restart the kernel and run all "
            "cells again."
        )


def _as_numbers(value: Any, name: str) -> _ndarray:
    """Turn a student's value into a plain numeric ndarray or fail with a clear message."""
    if value is None:
        _fail(f"{name} is None: did the function forget to `return` its result?")
    if value is ...:
        _fail(f"{name} is still the placeholder `...`: fill in your answer.")
    try:
        array = _asarray(value)
    except Exception as error:  # noqa: BLE001 - anything a student object raises
        _fail(f"{name} could not be read as numbers: {error.__class__.__name__}: {error}")
    if array.dtype.kind not in "biuf":
        _fail(
            f"{name} should be numeric but has dtype {array.dtype} "
            f"(of type {value.__class__.__name__})."
        )
    return array


def _describe_index(index: tuple) -> str:
    return "" if index == () else f" at index {index}"


def _index_in(shape: tuple, flat_position: Any) -> tuple:
    """The multi-index of a position in a flattened array of ``shape`` (``()`` for scalars)."""
    if shape == ():
        return ()
    return tuple(int(i) for i in _unravel_index(flat_position, shape))


def _diagnose_factor(actual: _ndarray, expected: _ndarray) -> str:
    """Name a simple constant ratio or offset between two arrays, if there is one."""
    nonzero = expected != 0
    if nonzero.any():
        with _errstate(divide="ignore", invalid="ignore"):
            ratio = actual[nonzero] / expected[nonzero]
        if _isfinite(ratio).all():
            first = _float64(ratio.flat[0])
            if (_absolute(ratio - first) <= 1e-3 * _absolute(first)).all():
                for factor, explanation in _KNOWN_FACTORS:
                    if _absolute(first - factor) <= 1e-3 * _absolute(factor):
                        return f"Your values are the expected ones times {explanation}"
    offset = actual - expected
    if expected.size > 1:
        first = _float64(offset.flat[0])
        spread = _absolute(offset - first).max()
        if first != 0 and spread <= 1e-6 * (1 + _absolute(expected).max()):
            return (
                f"Your values differ from the expected ones by a constant offset of {first:.6g}: "
                "a forgotten or extra additive term (an irreducible loss, say)?"
            )
    return ""


def check_close(
    actual: Any,
    expected: Any,
    *,
    name: str,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hidden: bool = False,
    hint: str | None = None,
) -> None:
    """Check that ``actual`` equals ``expected`` elementwise within a tolerance.

    An element passes when ``|actual - expected| <= atol + rtol * |expected|``; NaN passes only
    where the reference is NaN too. A scalar reference accepts any one-element answer.

    Parameters
    ----------
    actual
        The student's answer: a number, a sequence or an array.
    expected
        The reference value, of the same shape.
    name
        What is checked, as the student should read it, e.g. ``"chinchilla_loss(1e9, 2e10)"``.
    rtol, atol
        Relative and absolute tolerance.
    hidden
        If true, the message never shows the expected value or the ratio to it.
    hint
        Advice shown with any failure, e.g. which common mistake to look for.

    Raises
    ------
    CheckFailure
        If the answer is missing, not numeric, of the wrong shape, not finite where the
        reference is, or outside the tolerance; or if the kernel was tampered with.
    """
    got = _as_numbers(actual, name)
    _verify_environment()
    want = _asarray(expected, dtype=_float64)
    if want.ndim == 0 and got.size == 1:
        got = got.reshape(())
    if got.shape != want.shape:
        _fail(f"{name} has shape {got.shape}, expected shape {want.shape}.", hint)
    shape = got.shape
    got = got.astype(_float64).reshape(-1)
    want = want.reshape(-1)
    want_nan = _isnan(want)
    got_bad = _logical_and(_logical_not(_isfinite(got)), _isfinite(want))
    if got_bad.any():
        index = _index_in(shape, _argmax(got_bad))
        _fail(
            f"{name}: {int(got_bad.sum())} of {got.size} values are NaN or infinite "
            f"(first{_describe_index(index)}: {got[_argmax(got_bad)]!r}).",
            hint,
        )
    with _errstate(invalid="ignore"):
        difference = _absolute(got - want)
        allowed = atol + rtol * _absolute(want)
        wrong = _logical_or(difference > allowed, _isnan(got) != want_nan)
        wrong = _logical_and(wrong, _logical_not(_logical_and(_isnan(got), want_nan)))
        # An infinite reference is matched only by the same infinity (|x - inf| <= rtol * inf
        # would otherwise accept anything).
        want_infinite = _logical_and(_logical_not(_isfinite(want)), _logical_not(want_nan))
        wrong = _logical_or(wrong, _logical_and(want_infinite, got != want))
    if not wrong.any():
        return
    count = int(wrong.sum())
    scored = difference.copy()
    scored[_logical_not(wrong)] = -1.0
    scored[_isnan(scored)] = _np.inf
    worst = _argmax(scored)
    index = _index_in(shape, worst)
    where = _describe_index(index)
    tolerance = f"(rtol={rtol:g}, atol={atol:g})"
    if hidden:
        message = (
            f"{name}: {count} of {got.size} values do not match the reference within the "
            f"tolerance {tolerance}; your value{where} is {got[worst]:.6g}."
        )
    else:
        message = (
            f"{name}: {count} of {got.size} values differ from the expected ones beyond the "
            f"tolerance {tolerance}. Worst{where}: got {got[worst]:.6g}, expected "
            f"{want[worst]:.6g} (difference {got[worst] - want[worst]:.3g})."
        )
        diagnosis = _diagnose_factor(got, want)
        if diagnosis:
            message = f"{message}\n{diagnosis}"
    _fail(message, hint)


def check_array(
    actual: Any,
    *,
    name: str,
    shape: tuple[int | None, ...] | None = None,
    kind: str = "biuf",
    finite: bool = True,
    hint: str | None = None,
) -> _ndarray:
    """Check the type, shape, dtype kind and finiteness of an array answer.

    Parameters
    ----------
    actual
        The student's answer.
    name
        What is checked, as the student should read it.
    shape
        Expected shape; ``None`` entries match any length along that axis.
    kind
        Allowed numpy dtype kinds: ``"f"`` floats, ``"i"``/``"u"`` integers, ``"b"`` booleans.
    finite
        Whether every element must be finite.
    hint
        Advice shown with any failure.

    Returns
    -------
    numpy.ndarray
        The answer as a plain array, for further checks.
    """
    array = _as_numbers(actual, name)
    _verify_environment()
    if array.dtype.kind not in kind:
        _fail(f"{name} has dtype {array.dtype}; expected a dtype of kind {kind!r}.", hint)
    if shape is not None:
        fits = array.ndim == len(shape) and all(
            want is None or got == want for got, want in zip(array.shape, shape)
        )
        if not fits:
            wanted = tuple("any" if n is None else n for n in shape)
            _fail(f"{name} has shape {array.shape}, expected {wanted}.", hint)
    if finite and array.dtype.kind == "f" and not _isfinite(array).all():
        bad = int((~_isfinite(array)).sum())
        _fail(f"{name} contains {bad} NaN or infinite values.", hint)
    return array


def _plain(value: Any, name: str) -> Any:
    """Reduce a student's value to a plain bool, int, float, str or tuple of those."""
    if value.__class__ is _BOOL or value is None:
        return value
    if isinstance(value, _STR):
        return _STR.__str__(value)
    if isinstance(value, (_TUPLE, _LIST)):
        return _TUPLE(_plain(item, name) for item in value)
    if isinstance(value, (_np.bool_,)):
        return _BOOL(value)
    if isinstance(value, (_INT, _np.integer)) and not isinstance(value, _BOOL):
        return _INT.__index__(_INT(value))
    if isinstance(value, (_FLOAT, _np.floating)):
        return _FLOAT.__float__(_FLOAT(value))
    _fail(f"{name} has type {value.__class__.__name__}, which cannot be compared exactly.")


def check_equal(
    actual: Any,
    expected: Any,
    *,
    name: str,
    hidden: bool = False,
    hint: str | None = None,
) -> None:
    """Check exact equality for integers, booleans, strings and tuples or lists of them.

    Student values are first reduced to plain Python values, so a custom ``__eq__`` on the
    answer has no effect. Integers compare equal to integral floats of the same value.

    Parameters
    ----------
    actual, expected
        The student's answer and the reference.
    name
        What is checked, as the student should read it.
    hidden
        If true, the message does not show the expected value.
    hint
        Advice shown with any failure.
    """
    got = _plain(actual, name)
    _verify_environment()
    want = _plain(expected, "the reference")
    if got.__class__ is _BOOL and want.__class__ is not _BOOL and want is not None:
        _fail(f"{name} is a boolean ({got}); expected a {want.__class__.__name__}.", hint)
    if got == want:
        return
    if hidden:
        _fail(f"{name} is {got!r}, which does not match the reference.", hint)
    _fail(f"{name} is {got!r}; expected {want!r}.", hint)


def check_one_of(
    actual: Any,
    allowed: tuple[Any, ...],
    *,
    name: str,
    hint: str | None = None,
) -> None:
    """Check that a (plain) answer is one of the allowed values, e.g. a regime's name."""
    got = _plain(actual, name)
    _verify_environment()
    if got not in _TUPLE(_plain(value, "the reference") for value in allowed):
        options = ", ".join(repr(value) for value in allowed)
        _fail(f"{name} is {got!r}; it must be one of: {options}.", hint)


def check_true(condition: Any, message: str, *, hint: str | None = None) -> None:
    """Check that a condition holds; ``condition`` must be a genuine bool.

    Prefer :func:`check_close` or :func:`check_equal` where they fit: a boolean computed in the
    test cell can only be trusted if every name it uses can. Numpy booleans are accepted.
    """
    _verify_environment()
    if condition.__class__ is not _BOOL and not isinstance(condition, _np.bool_):
        _fail(f"{message} (the check did not produce a boolean).", hint)
    if not _BOOL(condition):
        _fail(message, hint)


def check_raises(
    function: Any,
    *args: Any,
    exception: type[BaseException] | tuple[type[BaseException], ...] = ValueError,
    name: str,
    hint: str | None = None,
    **kwargs: Any,
) -> None:
    """Check that ``function(*args, **kwargs)`` raises ``exception`` (for invalid input)."""
    try:
        function(*args, **kwargs)
    except exception:
        _verify_environment()
        return
    except Exception as error:  # noqa: BLE001 - any other exception is a wrong answer
        _verify_environment()
        _fail(f"{name} raised {error.__class__.__name__} ({error}); expected {_names(exception)}.",
              hint)
    _verify_environment()
    _fail(f"{name} returned normally; it should raise {_names(exception)}.", hint)


def _names(exception: Any) -> str:
    if isinstance(exception, _TUPLE):
        return " or ".join(e.__name__ for e in exception)
    return exception.__name__


# Taken last, so that it records every global defined above.
_SNAPSHOT = _integrity.take_snapshot()
