"""TrainConfig: the hyperparameters of one training call, read once from the estimator.

The estimator builds a config at the start of ``fit`` or ``partial_fit``
(:meth:`TrainConfig.from_params` for DeepNet; TabularNet fills in its recipe)
and the training code reads only the config, never the estimator: what the
loop does is decided by this frozen record. A field that does not apply to a
call keeps its default (the SGD momentum under AdamW, say); none needs a
made-up value.
"""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a training call, under the estimators' parameter names."""

    solver: str = "adam"
    alpha: float = 1e-4
    batch_size: object = "auto"
    learning_rate: str = "constant"
    learning_rate_init: float = 1e-3
    power_t: float = 0.5
    max_iter: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    verbose: object = False
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    early_stopping: bool = False
    validation_fraction: float = None  # None: no split is made (early_stopping must be False)
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    n_iter_no_change: float = 10
    max_fun: int = 15000
    rho: float = 0.9
    weight_decay: float = 0.01
    warmup: int = 0
    lr_step_size: int = 10
    lr_step_gamma: float = 0.5
    clip_grad_norm: float = None
    max_time: float = None  # seconds; stop after the first epoch that ends past it
    # Not estimator parameters: what a family's recipe asks of training.
    dropout_schedule: str = "constant"  # a key of schedules.DROPOUT_SCHEDULES
    # The learning rate before every batch, at fractions of epochs (else once an epoch):
    # a large table's few epochs still warm up and decay smoothly. Then warmup and
    # max_iter may be fractions of epochs too.
    step_schedule: bool = False
    # Zero the optimizer state's subnormal values every few steps (optimizers.flush_subnormals).
    # Off for DeepNet, whose steps follow MLPClassifier's bit for bit.
    flush_subnormals: bool = False
    # Break ties of the validation score by the validation loss (lower wins): on a small split
    # the score is coarse (27 rows: steps of 0.037), and a tie is no evidence the epoch is as
    # good. Ties on both keep the earlier epoch. Off for DeepNet (MLPClassifier's rule).
    tie_break_on_loss: bool = False
    # Each member of an ensemble holds out its own validation part and trains on every other
    # row (data.split_member_validation), instead of one split all members share: every row
    # trains some members, and the kept epoch is chosen on each row's out-of-part prediction.
    # Only with early_stopping; off for DeepNet (one network) and a streamed TabularNet fit.
    member_folds: bool = False

    def __post_init__(self):
        if self.early_stopping and self.validation_fraction is None:
            raise ValueError("early_stopping holds out a validation split: it needs a validation_fraction.")
        if self.member_folds and not self.early_stopping:
            raise ValueError("member_folds holds out validation parts: it needs early_stopping.")

    @classmethod
    def from_params(cls, params):
        """The config from an estimator's ``get_params()`` (other keys are ignored)."""
        return cls(**{item.name: params[item.name] for item in fields(cls) if item.name in params})
