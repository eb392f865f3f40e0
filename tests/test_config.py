"""TrainConfig: a call's hyperparameters, with no made-up values."""

import pytest

from skdeep import DeepNetClassifier
from skdeep.train.config import TrainConfig


def test_from_params_reads_the_estimators_parameters_by_name():
    params = DeepNetClassifier(learning_rate="cosine", validation_fraction=0.3, alpha=0.5).get_params()
    config = TrainConfig.from_params(params)
    assert (config.learning_rate, config.validation_fraction, config.alpha) == ("cosine", 0.3, 0.5)
    # Not DeepNet parameters: the defaults, which change nothing.
    assert (config.dropout_schedule, config.max_time) == ("constant", None)


def test_without_a_split_there_is_no_validation_fraction():
    assert TrainConfig().validation_fraction is None and not TrainConfig().early_stopping
    assert TrainConfig(early_stopping=True, validation_fraction=0.2).validation_fraction == 0.2


def test_early_stopping_without_a_validation_fraction_is_refused():
    with pytest.raises(ValueError, match="needs a validation_fraction"):
        TrainConfig(early_stopping=True)
