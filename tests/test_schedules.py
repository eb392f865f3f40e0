import math

import pytest

from skdeep.train.schedules import epoch_learning_rate, uses_epoch_schedule


def test_cosine_rates_follow_the_half_cosine_from_the_initial_rate_towards_zero():
    rates = [epoch_learning_rate("cosine", 0.1, e, max_iter=20) for e in range(20)]
    assert rates[0] == pytest.approx(0.1)
    for e, rate in enumerate(rates):
        assert rate == pytest.approx(0.05 * (1 + math.cos(math.pi * e / 20)))
    assert all(a > b for a, b in zip(rates, rates[1:]))


def test_step_schedule_multiplies_by_gamma_every_step_size_epochs():
    rates = [epoch_learning_rate("step", 1.0, e, max_iter=30, step_size=4, gamma=0.5) for e in range(9)]
    assert rates == [1.0] * 4 + [0.5] * 4 + [0.25]


def test_warmup_ramps_linearly_then_hands_over_to_the_schedule():
    rates = [epoch_learning_rate("cosine", 0.2, e, max_iter=14, warmup=4) for e in range(14)]
    assert rates[:4] == pytest.approx([0.05, 0.1, 0.15, 0.2])
    # After warmup the cosine runs over the remaining 10 epochs, starting at the full rate.
    assert rates[4] == pytest.approx(0.2)
    assert rates[9] == pytest.approx(0.1 * (1 + math.cos(math.pi * 5 / 10)))


def test_constant_schedule_without_warmup_is_left_to_the_optimizer():
    assert not uses_epoch_schedule("constant", 0)
    assert not uses_epoch_schedule("invscaling", 0)
    assert uses_epoch_schedule("constant", 3)
    assert uses_epoch_schedule("cosine", 0) and uses_epoch_schedule("step", 0)
