"""Warnings that point at the user's line, not at skdeep's.

Every warning skdeep gives goes through :func:`warn`, which reports it at the
first frame outside skdeep: the line that called ``fit``, ``partial_fit``,
``predict``, ``skdeep.save``..., however deep inside skdeep the cause was
found. Called by scikit-learn (``GridSearchCV``, ``cross_val_score``,
``Pipeline``) that line is scikit-learn's, as it is for scikit-learn's own
estimators. A hand-counted ``stacklevel`` would break whenever a refactor
adds or removes a call between the public method and the warning.

Python 3.12's ``skip_file_prefixes`` cannot do this alone: the decorators
scikit-learn puts around ``fit`` and ``partial_fit`` (``_fit_context``,
``with_callbacks``, ``available_if``) run as frames of scikit-learn's files
between the user's call and skdeep's. Those wrapper frames are skipped too,
recognized by their code objects, so the walk works the same on every Python
version.

The rule needs one discipline: skdeep warns from its own frames, never from a
function another library calls back (SciPy's L-BFGS callback records why it
stopped; the warning comes once ``minimize`` has returned). A user's callback
that calls skdeep gets the warning at its own line, as it should.
"""

import os
import sys
import warnings

from sklearn.base import _fit_context
from sklearn.utils.metaestimators import available_if

from .train.sklearn_callbacks import with_callbacks

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _method(estimator):  # pragma: no cover - only decorated, never called
    return estimator


def _wrapper_codes():
    """Code objects of the frames scikit-learn's method decorators add around skdeep's methods."""
    # Every application of a decorator makes a closure of the same code object.
    wrapped = (_fit_context(prefer_skip_nested_validation=True)(_method), with_callbacks(_method),
               # partial_fit looked up on the class (Estimator.partial_fit(est, ...))
               available_if(bool)(_method).__get__(None, object))
    return frozenset(function.__code__ for function in wrapped) - {_method.__code__}


_WRAPPERS = _wrapper_codes()


def _in_skdeep(frame):
    return frame.f_code.co_filename.startswith(_PACKAGE) or frame.f_code in _WRAPPERS


def caller_stacklevel():
    """The ``stacklevel`` that makes ``warnings.warn``, called by the caller of this, name the user's line.

    The user's line is the first frame, going outwards, that is neither in
    skdeep nor one of scikit-learn's decorator wrappers around a skdeep
    method; the outermost frame if every frame is (``python -m skdeep``).
    """
    frame = sys._getframe(1)  # the function that will call warnings.warn: level 1
    level = 1
    while _in_skdeep(frame) and frame.f_back is not None:
        frame = frame.f_back
        level += 1
    return level


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)`` at the user's line (see the module docstring)."""
    warnings.warn(message, category, stacklevel=caller_stacklevel())
