"""A list of views into the flat parameter vector that writes through.

``coefs_`` and ``intercepts_`` are views into the network's one flat vector.
Handing out a plain list would let ``est.coefs_[0] = W`` replace the list item
silently while the network kept its old weights; this list copies the new
values into the view instead, after checking the shape.
"""

from numbers import Integral

import numpy as np


class ParameterList(list):
    """List of parameter views; item and whole-list assignment copy into the views."""

    def __setitem__(self, index, value):
        if not isinstance(index, Integral):
            raise TypeError("Assign the layers one index at a time, e.g. coefs_[0] = W.")
        list.__getitem__(self, index)[...] = self._checked(index, value)

    def _checked(self, index, value):
        shape = list.__getitem__(self, index).shape
        value = np.asarray(value)
        if value.shape != shape:
            raise ValueError(
                f"Layer {index} has shape {shape}; cannot assign an array of shape {value.shape}."
            )
        if not np.isfinite(value).all():
            raise ValueError(f"Layer {index}: the assigned array contains NaN or infinity.")
        return value

    def assign(self, values):
        """Copy every array of ``values`` into the matching view, all or nothing."""
        values = list(values)
        if len(values) != len(self):
            raise ValueError(f"Expected {len(self)} arrays, one per layer; got {len(values)}.")
        checked = [self._checked(index, value) for index, value in enumerate(values)]
        for view, value in zip(self, checked, strict=True):
            view[...] = value
