"""Verbose progress of a fit: one line per epoch, or a tqdm bar.

With ``verbose`` on, each epoch prints one line that starts as
MLPClassifier's does, ``Iteration 3, loss = 0.12345678`` (log parsers written
for it keep working), followed by the validation score and loss when there is
a validation set, the learning rate and the epoch's seconds; a value a solver
does not have (L-BFGS's learning rate) shows as ``-``. When tqdm is installed and standard output is a
terminal, a progress bar over the epochs shows the same figures instead. tqdm
is optional: nothing here requires it.
"""

import sys

# The columns after "Iteration N, loss = ...", and their formats.
_COLUMNS = (
    ("validation_score", "{:.4f}"),
    ("validation_loss", "{:.6f}"),
    ("learning_rate", "{:.3g}"),
    ("seconds", "{:.3f}"),
)
_HEADERS = {"validation_score": "val_score", "validation_loss": "val_loss", "learning_rate": "lr"}


def _format(record, key, fmt):
    value = record.get(key)
    return "-" if value is None else fmt.format(value)


def _tqdm_or_none():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class Progress:
    """Reports epochs as they end; silent unless ``verbose``."""

    def __init__(self, verbose, total_epochs, with_validation):
        self.verbose = bool(verbose)
        self._columns = [
            column for column in _COLUMNS
            if with_validation or not column[0].startswith("validation")
        ]
        self._bar = None
        tqdm = _tqdm_or_none() if self.verbose and sys.stdout.isatty() else None
        if tqdm is not None:
            self._bar = tqdm(total=total_epochs, unit="epoch", leave=True)

    def epoch_ended(self, record):
        if not self.verbose:
            return
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix({_HEADERS.get(key, key): _format(record, key, "{:.4g}")
                                   for key, _ in [("loss", None), *self._columns]})
            return
        extras = "".join(f", {_HEADERS.get(key, key)} = {_format(record, key, fmt)}"
                         for key, fmt in self._columns)
        print(f"Iteration {record['epoch']}, loss = {_format(record, 'loss', '{:.8f}')}{extras}")

    def say(self, message):
        if not self.verbose:
            return
        if self._bar is not None:
            self._bar.write(message)
        else:
            print(message)

    def close(self):
        if self._bar is not None:
            self._bar.close()
