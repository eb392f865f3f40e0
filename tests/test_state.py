"""TrainState.begin_call: the one reset at the start of a training call, under each family's policy."""

import numpy as np
import pytest

from skdeep.train.state import RESET_POLICIES, TrainState


class Snapshot:
    """A stand-in for ``network.snapshot`` that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return np.full(3, float(self.calls)), np.zeros(0)


def _after_a_fit(validation):
    """The state a fit of 4 epochs leaves: best score at epoch 2, 2 epochs of patience used."""
    state = TrainState(n_iter_=4, t_=400, loss_=0.5, loss_curve_=[0.9, 0.7, 0.6, 0.5],
                       schedule_epoch=4, no_improvement_count=2)
    if validation:
        state.validation_scores_, state.best_validation_score_ = [0.5, 0.8, 0.7, 0.6], 0.8
        state.best_params, state.best_state = np.arange(3.0), np.zeros(0)
    else:
        state.best_loss_ = 0.5
    return state


@pytest.mark.parametrize("reset", RESET_POLICIES)
@pytest.mark.parametrize("validation", [False, True])
def test_a_fresh_state_starts_the_same_under_both_policies(reset, validation):
    state, snapshot = TrainState(), Snapshot()
    state.begin_call(reset, incremental=False, validation=validation, snapshot=snapshot)
    assert (state.n_iter_, state.schedule_epoch, state.no_improvement_count) == (0, 0, 0)
    if validation:
        assert state.validation_scores_ == [] and state.best_validation_score_ == -np.inf
        assert snapshot.calls == 1 and state.best_params.tolist() == [1.0, 1.0, 1.0]
        assert state.best_loss_ is None  # None with early stopping, as in MLPClassifier
    else:
        assert state.best_loss_ == np.inf and state.validation_scores_ is None
        assert state.best_params is None and snapshot.calls == 0


def test_carry_over_continues_the_best_score_weights_and_patience():
    state, snapshot = _after_a_fit(validation=True), Snapshot()
    best_params = state.best_params
    state.begin_call("carry_over", incremental=False, validation=True, snapshot=snapshot)
    assert (state.n_iter_, state.schedule_epoch) == (0, 0)
    assert state.best_validation_score_ == 0.8 and state.best_params is best_params
    assert state.no_improvement_count == 2 and snapshot.calls == 0
    assert state.validation_scores_ == [0.5, 0.8, 0.7, 0.6]


def test_carry_over_keeps_the_best_training_loss_without_validation():
    state = _after_a_fit(validation=False)
    state.begin_call("carry_over", incremental=True, validation=False, snapshot=Snapshot())
    assert state.best_loss_ == 0.5 and state.no_improvement_count == 2
    assert (state.n_iter_, state.schedule_epoch) == (0, 4)  # partial_fit continues the schedules


def test_per_fit_starts_the_best_epoch_afresh_and_keeps_the_curves():
    state, snapshot = _after_a_fit(validation=True), Snapshot()
    state.begin_call("per_fit", incremental=False, validation=True, snapshot=snapshot)
    assert state.best_validation_score_ == -np.inf and state.no_improvement_count == 0
    assert snapshot.calls == 1 and state.best_params.tolist() == [1.0, 1.0, 1.0]  # the call's start
    assert state.validation_scores_ == [0.5, 0.8, 0.7, 0.6] and len(state.loss_curve_) == 4


def test_per_fit_without_a_split_after_a_fit_with_one_has_no_best_score():
    state = _after_a_fit(validation=True)
    state.begin_call("per_fit", incremental=False, validation=False, snapshot=Snapshot())
    assert state.best_validation_score_ is None and state.best_params is None
    assert state.best_loss_ == np.inf


def test_an_unknown_policy_is_refused_before_anything_changes():
    state = _after_a_fit(validation=True)
    with pytest.raises(ValueError, match="Unknown reset policy 'never'"):
        state.begin_call("never", incremental=False, validation=True, snapshot=Snapshot())
    assert state.n_iter_ == 4 and state.best_validation_score_ == 0.8
