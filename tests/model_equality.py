"""One test of model equality: every part of two fitted models' records, field by field.

:func:`assert_same_model` walks the fields of the fitted-model record
(:class:`skdeep._base.record.FittedModel`) and, inside it, every field of the
:class:`~skdeep.train.state.TrainState`, so that a field added to either is
compared without this module changing. Used by the persistence, skops,
continuation and contract tests.
"""

import dataclasses
import math

import numpy as np

from skdeep._base.record import FittedModel
from skdeep.train.state import TrainState


def assert_same_model(a, b, X=None, *, ignore_seconds=True, optimizer=True):
    """``a`` and ``b`` are the same fitted model: hyperparameters, weights, state, targets, columns.

    Arrays are compared bit for bit with their dtype (strings by value, as a
    model file stores them at a fixed width), NaN equal to NaN. With
    ``ignore_seconds`` the wall-clock ``seconds`` of the ``history_``
    records are left out; without ``optimizer``, the optimizer's state (a
    model file holds it only when saved with ``include_optimizer=True``).
    With ``X``, the predictions (and probabilities) are compared too.
    """
    assert type(a) is type(b)
    assert a.get_params() == b.get_params()
    ra, rb = a._to_record(), b._to_record()
    for field in dataclasses.fields(FittedModel):
        name = field.name
        va, vb = getattr(ra, name), getattr(rb, name)
        if name == "network":
            _assert_same_network(va, vb)
        elif name == "train_state":
            _assert_same_state(va, vb, ignore_seconds, optimizer)
        elif name == "targets":
            assert type(va) is type(vb), name
            _assert_same(_targets_fields(va), _targets_fields(vb), name)
        else:
            _assert_same(va, vb, name)
    if X is not None:
        for method in ("predict", "predict_proba"):
            if hasattr(a, method):
                _assert_same(getattr(a, method)(X), getattr(b, method)(X), method)


def _assert_same_network(a, b):
    assert type(a) is type(b) and a.spec == b.spec
    _assert_same(a.params, b.params, "network.params")
    _assert_same(a.state, b.state, "network.state")  # batch-norm running statistics


def _assert_same_state(a, b, ignore_seconds, optimizer):
    for field in dataclasses.fields(TrainState):
        if field.name == "optimizer" and not optimizer:
            continue
        va, vb = getattr(a, field.name), getattr(b, field.name)
        if field.name == "history_" and ignore_seconds:
            va, vb = ([{**record, "seconds": None} for record in history] for history in (va, vb))
        _assert_same(va, vb, f"train_state.{field.name}")


def _targets_fields(targets):
    """What the targets are, through their public properties."""
    names = ("label_type", "classes", "sparse_input") if hasattr(targets, "label_type") else (
        "n_outputs", "mean", "scale")
    return {name: getattr(targets, name) for name in names}


def _assert_same(a, b, where):
    """Deep equality of plain data, arrays and fitted objects (compared by their attributes)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), where
        assert a.shape == b.shape, where
        if a.dtype.kind in "OU" or b.dtype.kind in "OU":
            assert a.tolist() == b.tolist(), where
        else:
            assert a.dtype == b.dtype, f"{where}: {a.dtype} != {b.dtype}"
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{index}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    elif hasattr(a, "__dict__") and not callable(a):  # e.g. the fitted preprocessor
        assert type(a) is type(b), where
        _assert_same(vars(a), vars(b), where)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
