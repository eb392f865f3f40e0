"""Verbose progress of a fit: one aligned line per epoch, or a tqdm bar.

With ``verbose`` on, each epoch prints one line of fixed-width columns
(epoch, loss, validation score and loss when there is a validation set,
learning rate, seconds); a value a solver does not have (L-BFGS's learning
rate) shows as ``-``. When tqdm is installed and standard output is a
terminal, a progress bar over the epochs shows the same figures instead. tqdm
is optional: nothing here requires it.
"""

import sys

_COLUMNS = (
    ("epoch", "{:>6d}", 6),
    ("loss", "{:>12.6f}", 12),
    ("validation_score", "{:>10.4f}", 10),
    ("validation_loss", "{:>10.6f}", 10),
    ("learning_rate", "{:>10.3g}", 10),
    ("seconds", "{:>8.3f}", 8),
)
_HEADERS = {"validation_score": "val_score", "validation_loss": "val_loss", "learning_rate": "lr"}


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
        self._header_printed = False
        tqdm = _tqdm_or_none() if self.verbose and sys.stdout.isatty() else None
        if tqdm is not None:
            self._bar = tqdm(total=total_epochs, unit="epoch", leave=True)

    def epoch_ended(self, record):
        if not self.verbose:
            return
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(
                {_HEADERS.get(key, key): "-" if record.get(key) is None else f"{record[key]:.4g}"
                 for key, _, _ in self._columns[1:]}
            )
            return
        if not self._header_printed:
            print(" ".join(f"{_HEADERS.get(key, key):>{width}}" for key, _, width in self._columns))
            self._header_printed = True
        print(" ".join(
            "-".rjust(width) if record.get(key) is None else fmt.format(record[key])
            for key, fmt, width in self._columns
        ))

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
