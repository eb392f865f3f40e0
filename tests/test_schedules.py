"""Tests for skdeep/train/schedules.py: each schedule's rates (scikit-learn's own
'invscaling' and 'adaptive' against its SGDOptimizer), warmup, the factory and state,
the registries and the dropout schedules."""

import math

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from skdeep.train.config import TrainConfig
from skdeep.train.schedules import (
    DROPOUT_SCHEDULES, LEARNING_RATE_SCHEDULES, SCHEDULES, Adaptive, Constant, Cosine, InvScaling,
    Step, Warmup, dropout_schedule, make_schedule,
)

LR = 0.1


def _sklearn_sgd(schedule, learning_rate_init=LR, power_t=0.5):
    return SGDOptimizer([np.zeros(3)], learning_rate_init, schedule, 0.9, True, power_t)


# --- constant and invscaling --------------------------------------------------------------------

def test_constant_rate_is_the_initial_rate_at_every_epoch():
    schedule = Constant(LR)
    assert {schedule.rate(epoch, 100 * epoch) for epoch in range(50)} == {LR}
    assert schedule.planned_epochs is None


@pytest.mark.parametrize("samples_seen", [0, 1, 200, 12345])
def test_invscaling_rate_after_the_first_epoch_equals_scikit_learn_after_iteration_ends(samples_seen):
    ours = InvScaling(LR, power_t=0.25)
    theirs = _sklearn_sgd("invscaling", power_t=0.25)
    theirs.iteration_ends(samples_seen)
    for epoch in (1, 2, 37):
        assert ours.rate(epoch, samples_seen) == theirs.learning_rate
        assert ours.rate(epoch, samples_seen) == pytest.approx(LR / (samples_seen + 1) ** 0.25, rel=1e-15)


@pytest.mark.parametrize("samples_seen", [0, 1, 12345])
def test_invscaling_first_epoch_runs_at_the_initial_rate_like_a_fresh_scikit_learn_optimizer(samples_seen):
    # Before its first iteration_ends, scikit-learn's optimizer is at learning_rate_init.
    assert InvScaling(LR, power_t=0.25).rate(0, samples_seen) == _sklearn_sgd("invscaling").learning_rate == LR


def test_invscaling_rate_falls_as_samples_are_seen():
    schedule = InvScaling(LR, power_t=0.5)
    rates = [schedule.rate(epoch, 50 * epoch) for epoch in range(1, 10)]
    assert (np.diff(rates) < 0).all()
    assert schedule.rate(1, 99) == pytest.approx(LR / 10, rel=1e-15)


# --- adaptive -----------------------------------------------------------------------------------

@pytest.mark.parametrize("learning_rate_init", [0.1, 0.001, 1.0, 0.37])
def test_adaptive_divides_the_rate_by_5_at_each_plateau_like_scikit_learn_until_at_most_1e_6(
        learning_rate_init):
    ours, theirs = Adaptive(learning_rate_init), _sklearn_sgd("adaptive", learning_rate_init)
    rates, notes = [ours.rate(0, 0)], []
    while True:
        keep_going, note = ours.on_plateau()
        notes.append(note)
        assert keep_going is not theirs.trigger_stopping("No improvement.", verbose=False)
        if not keep_going:
            break
        rates.append(ours.rate(len(rates), 1000))
        assert rates[-1] == pytest.approx(rates[-2] / 5, rel=1e-14)
        assert rates[-1] == pytest.approx(theirs.learning_rate, rel=1e-14)
        assert note == f"Setting learning rate to {theirs.learning_rate:f}"
        assert len(rates) < 30
    assert rates[-2] > 1e-6 >= rates[-1]
    assert notes[-1] == "Learning rate too small. Stopping."
    # Once stopped, it stays stopped and keeps its rate.
    assert ours.on_plateau() == (False, "Learning rate too small. Stopping.")
    assert ours.rate(0, 0) == rates[-1]


def test_adaptive_from_0_1_lowers_the_rate_8_times_then_stops():
    schedule = Adaptive(0.1)
    answers = [schedule.on_plateau() for _ in range(9)]
    assert [keep_going for keep_going, _ in answers] == [True] * 8 + [False]
    assert answers[0] == (True, "Setting learning rate to 0.020000")
    # 0.1 / 5**8 = 2.56e-7 is the first rate at or below 1e-6.
    assert schedule.rate(0, 0) == pytest.approx(2.56e-7, rel=1e-14)


@pytest.mark.parametrize("learning_rate_init", [2.5e-5, 0.015625, 0.390625])
def test_adaptive_lowers_the_rate_as_many_times_as_scikit_learn_when_it_lands_on_1e_6(learning_rate_init):
    ours, theirs = Adaptive(learning_rate_init), _sklearn_sgd("adaptive", learning_rate_init)
    ours_count = theirs_count = 0
    while ours.on_plateau()[0]:
        ours_count += 1
    while not theirs.trigger_stopping("", verbose=False):
        theirs_count += 1
    assert ours_count == theirs_count


def test_adaptive_rate_does_not_depend_on_epoch_or_samples_seen():
    schedule = Adaptive(LR)
    schedule.on_plateau()
    assert {schedule.rate(epoch, 1000 * epoch) for epoch in range(20)} == {LR / 5}


@pytest.mark.parametrize("schedule", [
    Constant(LR), InvScaling(LR, 0.5), Step(LR, 3, 0.5), Cosine(LR, 10), Warmup(Constant(LR), 3),
], ids=["constant", "invscaling", "step", "cosine", "warmup-constant"])
def test_schedules_other_than_adaptive_stop_at_the_first_plateau_and_keep_their_rates(schedule):
    rates = [schedule.rate(epoch, 10 * epoch) for epoch in range(12)]
    assert schedule.on_plateau() == (False, "Stopping.")
    assert [schedule.rate(epoch, 10 * epoch) for epoch in range(12)] == rates


# --- step and cosine ----------------------------------------------------------------------------

def test_step_schedule_multiplies_by_gamma_every_step_size_epochs():
    schedule = Step(1.0, step_size=4, gamma=0.5)
    assert [schedule.rate(epoch, 0) for epoch in range(9)] == [1.0] * 4 + [0.5] * 4 + [0.25]
    assert schedule.rate(41, 0) == pytest.approx(0.5**10)
    assert schedule.planned_epochs is None


def test_cosine_rates_follow_the_half_cosine_from_the_initial_rate_towards_zero():
    schedule = Cosine(LR, 20)
    rates = [schedule.rate(epoch, 0) for epoch in range(20)]
    assert rates[0] == LR
    for epoch, rate in enumerate(rates):
        assert rate == pytest.approx(LR / 2 * (1 + math.cos(math.pi * epoch / 20)), rel=1e-14)
    assert (np.diff(rates) < 0).all()
    assert rates[10] == pytest.approx(LR / 2, rel=1e-14)
    assert schedule.planned_epochs == 20


@pytest.mark.parametrize("length", [1, 2, 3, 7, 20, 1000])
def test_cosine_restarts_after_its_planned_epochs_and_is_never_zero_at_an_epoch(length):
    schedule = Cosine(LR, length)
    assert schedule.planned_epochs == length
    for epoch in range(4 * length + 1):
        rate = schedule.rate(epoch, 0)
        assert rate > 0
        assert rate == schedule.rate(epoch % length, 0)
    assert schedule.rate(length, 0) == schedule.rate(3 * length, 0) == LR


@pytest.mark.parametrize("length", [0, -5])
def test_cosine_of_no_epochs_plans_one_epoch_at_the_initial_rate(length):
    schedule = Cosine(LR, length)
    assert schedule.planned_epochs == 1
    assert [schedule.rate(epoch, 0) for epoch in range(3)] == [LR] * 3


# --- warmup -------------------------------------------------------------------------------------

POWER_T, STEP_SIZE, GAMMA, COSINE_LENGTH = 0.5, 3, 0.5, 8

# Each base schedule, and its rate written out independently, (epoch, samples_seen) -> rate.
BASES = {
    "constant": (lambda: Constant(LR), lambda e, s: LR),
    "invscaling": (lambda: InvScaling(LR, POWER_T), lambda e, s: LR if e == 0 else LR / (s + 1) ** POWER_T),
    "adaptive": (lambda: Adaptive(LR), lambda e, s: LR),
    "step": (lambda: Step(LR, STEP_SIZE, GAMMA), lambda e, s: LR * GAMMA ** (e // STEP_SIZE)),
    "cosine": (lambda: Cosine(LR, COSINE_LENGTH),
               lambda e, s: LR / 2 * (1 + math.cos(math.pi * (e % COSINE_LENGTH) / COSINE_LENGTH))),
}


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("n_warmup", [1, 4])
def test_warmup_ramps_linearly_to_the_base_first_rate_then_runs_the_base_from_its_epoch_0(base, n_warmup):
    make_base, base_rate = BASES[base]
    schedule = Warmup(make_base(), n_warmup)
    for epoch in range(n_warmup + 3 * COSINE_LENGTH):
        samples_seen = 100 * epoch
        rate = schedule.rate(epoch, samples_seen)
        if epoch < n_warmup:
            expected = base_rate(0, samples_seen) * (epoch + 1) / n_warmup
        else:
            expected = base_rate(epoch - n_warmup, samples_seen)
        assert rate == pytest.approx(expected, rel=1e-14), epoch
    ramp = [schedule.rate(epoch, 0) for epoch in range(n_warmup + 1)]
    assert ramp[0] == pytest.approx(LR / n_warmup, rel=1e-15)
    assert ramp[n_warmup - 1] == ramp[n_warmup] == LR  # the ramp ends at the base's epoch-0 rate


def test_warmup_over_adaptive_ramps_to_the_lowered_rate_and_passes_plateaus_to_it():
    schedule = Warmup(Adaptive(LR), 4)
    assert schedule.on_plateau() == (True, "Setting learning rate to 0.020000")
    assert schedule.base.divisions == 1
    assert [schedule.rate(epoch, 0) for epoch in range(6)] == pytest.approx(
        [0.005, 0.01, 0.015, 0.02, 0.02, 0.02], rel=1e-14)


@pytest.mark.parametrize("base", list(BASES))
def test_warmup_plans_base_plus_warmup_epochs_for_cosine_and_no_length_otherwise(base):
    schedule = Warmup(BASES[base][0](), 5)
    if base == "cosine":
        assert schedule.planned_epochs == COSINE_LENGTH + 5
    else:
        assert schedule.planned_epochs is None


# --- make_schedule ------------------------------------------------------------------------------

STOCHASTIC_SOLVERS = ["sgd", "adam", "adamw", "rmsprop", "nadam"]


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
@pytest.mark.parametrize("name", ["invscaling", "adaptive"])
def test_make_schedule_applies_invscaling_and_adaptive_under_sgd_only(solver, name):
    config = TrainConfig(solver=solver, learning_rate=name, learning_rate_init=0.05, power_t=0.3)
    schedule = make_schedule(config)
    if solver == "sgd":
        assert type(schedule) is {"invscaling": InvScaling, "adaptive": Adaptive}[name]
    else:  # MLPClassifier's meaning: the other solvers run at a constant rate
        assert type(schedule) is Constant
        assert schedule.rate(5, 1000) == 0.05
        assert schedule.on_plateau() == (False, "Stopping.")


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_make_schedule_builds_each_schedule_from_the_config(solver):
    def build(name, **values):
        return make_schedule(TrainConfig(solver=solver, learning_rate=name, learning_rate_init=0.05,
                                         **values))

    assert type(build("constant")) is Constant and build("constant").rate(7, 99) == 0.05
    step = build("step", lr_step_size=4, lr_step_gamma=0.2)
    assert (type(step), step.learning_rate_init, step.step_size, step.gamma) == (Step, 0.05, 4, 0.2)
    cosine = build("cosine", max_iter=30)
    assert (type(cosine), cosine.learning_rate_init, cosine.planned_epochs) == (Cosine, 0.05, 30)
    if solver == "sgd":
        invscaling = build("invscaling", power_t=0.3)
        assert (invscaling.learning_rate_init, invscaling.power_t) == (0.05, 0.3)
        assert build("adaptive").learning_rate_init == 0.05


@pytest.mark.parametrize("name", SCHEDULES)
def test_make_schedule_wraps_every_schedule_in_warmup_when_asked(name):
    config = TrainConfig(solver="sgd", learning_rate=name, warmup=6, max_iter=40)
    schedule = make_schedule(config)
    assert type(schedule) is Warmup and schedule.epochs == 6
    assert type(schedule.base) is type(make_schedule(TrainConfig(solver="sgd", learning_rate=name)))
    assert type(make_schedule(TrainConfig(solver="sgd", learning_rate=name, warmup=0))) is not Warmup


def test_make_schedule_gives_cosine_the_epochs_left_after_warmup():
    schedule = make_schedule(TrainConfig(learning_rate="cosine", warmup=6, max_iter=40))
    assert schedule.base.planned_epochs == 34
    assert schedule.planned_epochs == 40
    rates = [schedule.rate(epoch, 0) for epoch in range(40)]
    assert rates[6] == rates[5] == 1e-3  # the cosine starts where the ramp ends
    assert rates[6 + 17] == pytest.approx(1e-3 / 2, rel=1e-14)
    assert (np.diff(rates[6:]) < 0).all()


def test_make_schedule_refuses_an_unknown_schedule():
    with pytest.raises(ValueError, match="Unknown learning_rate schedule"):
        make_schedule(TrainConfig(learning_rate="exponential"))


def test_the_learning_rate_registry_names_what_learning_rate_accepts():
    assert SCHEDULES == ("constant", "invscaling", "adaptive", "step", "cosine")
    assert tuple(LEARNING_RATE_SCHEDULES) == SCHEDULES
    for name, schedule_class in LEARNING_RATE_SCHEDULES.items():
        built = make_schedule(TrainConfig(solver="sgd", learning_rate=name))
        assert type(built) is schedule_class


# --- dropout schedules --------------------------------------------------------------------------

def test_the_dropout_registry():
    assert sorted(DROPOUT_SCHEDULES) == ["constant", "flat_cosine"]


def test_the_constant_dropout_schedule_keeps_the_spec_rates():
    factor = dropout_schedule(TrainConfig(max_iter=7))  # the default
    assert [factor(epoch) for epoch in range(12)] == [1.0] * 12


def test_flat_cosine_is_flat_for_the_first_half_then_half_a_cosine_to_zero():
    factor = dropout_schedule(TrainConfig(dropout_schedule="flat_cosine", max_iter=10))
    factors = [factor(epoch) for epoch in range(10)]
    assert factors[:6] == [1.0] * 6  # progress 0 .. 0.5
    for epoch in range(6, 10):
        progress = epoch / 10
        assert factors[epoch] == pytest.approx(0.5 * (1 + math.cos(math.pi * (2 * progress - 1))), rel=1e-15)
    assert (np.diff(factors[5:]) < 0).all() and factors[-1] > 0
    assert factor(10) == 0.0 and factor(25) == 0.0  # past max_iter (partial_fit goes on): no dropout


def test_an_unknown_dropout_schedule_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown dropout_schedule 'linear'.*'flat_cosine'"):
        dropout_schedule(TrainConfig(dropout_schedule="linear"))


# --- state --------------------------------------------------------------------------------------

def test_adaptive_state_dict_round_trips_its_divisions():
    original = Adaptive(LR)
    for _ in range(3):
        original.on_plateau()
    assert original.state_dict() == {"divisions": 3}
    restored = Adaptive(LR)
    restored.load_state_dict(original.state_dict())
    assert restored.rate(0, 0) == original.rate(0, 0) == pytest.approx(LR / 125, rel=1e-15)
    while True:  # and it goes on to stop at the same plateau
        answer = original.on_plateau()
        assert restored.on_plateau() == answer
        if not answer[0]:
            break


def test_warmup_state_is_its_base_schedules():
    original = Warmup(Adaptive(LR), 3)
    original.on_plateau()
    original.on_plateau()
    restored = Warmup(Adaptive(LR), 3)
    restored.load_state_dict(original.state_dict())
    assert [restored.rate(epoch, 0) for epoch in range(6)] == [original.rate(epoch, 0) for epoch in range(6)]
    assert restored.base.divisions == 2


@pytest.mark.parametrize("schedule", [
    Constant(LR), InvScaling(LR, 0.5), Step(LR, 3, 0.5), Cosine(LR, 10), Warmup(Cosine(LR, 10), 2),
], ids=["constant", "invscaling", "step", "cosine", "warmup-cosine"])
def test_stateless_schedules_give_and_take_an_empty_state_only(schedule):
    assert schedule.state_dict() == {}
    schedule.load_state_dict({})
    # An Adaptive state does not fit: the trainer relies on this to start a changed schedule afresh.
    with pytest.raises(ValueError):
        schedule.load_state_dict({"divisions": 2})


@pytest.mark.parametrize("state", [
    {}, {"divisions": 1, "extra": 0}, {"steps": 1}, {"divisions": -1}, {"divisions": 1.5},
    {"divisions": float("nan")}, {"divisions": float("inf")}, [("divisions", 1)], None,
], ids=["empty", "extra key", "wrong key", "negative", "fractional", "nan", "inf", "not a dict", "none"])
def test_adaptive_load_state_dict_refuses_junk_and_keeps_its_divisions(state):
    schedule = Adaptive(LR)
    schedule.on_plateau()
    with pytest.raises(ValueError):
        schedule.load_state_dict(state)
    assert schedule.divisions == 1


def test_a_step_wise_warmup_ramps_batch_by_batch_and_reaches_the_base_rate_at_its_end():
    # Warmup over half an epoch of 4 batches: resolution 1/4, positions 0, 1/4, 1/2, ...
    schedule = Warmup(Cosine(LR, 2.5), 0.5, resolution=0.25)
    rates = [schedule.rate(position / 4, 0) for position in range(4)]
    assert rates == pytest.approx([LR / 2, LR, Cosine(LR, 2.5).rate(0, 0), Cosine(LR, 2.5).rate(0.25, 0)])
    assert schedule.planned_epochs == 3.0


def test_a_fractional_cosine_length_is_kept_not_truncated():
    schedule = Cosine(LR, 3.8)
    assert schedule.planned_epochs == 3.8
    assert schedule.rate(3.0, 0) > 0.05 * LR  # truncated to 3 epochs, it would restart at LR here
    assert schedule.rate(3.0, 0) < schedule.rate(2.0, 0)


def test_make_schedule_gives_a_step_wise_warmup_the_batch_resolution():
    config = TrainConfig(learning_rate="cosine", max_iter=4, warmup=0.2, step_schedule=True)
    schedule = make_schedule(config, batches_per_epoch=10)
    assert schedule.resolution == 0.1 and schedule.base.planned_epochs == pytest.approx(3.8)
    assert make_schedule(TrainConfig(learning_rate="cosine", warmup=2), batches_per_epoch=10).resolution == 1
