"""Callbacks that watch a fit and may stop it.

See :mod:`skdeep.train.callbacks` for the lifecycle protocol and the record
schema; this module is their public home.
"""

from .train.callbacks import RECORD_KEYS, Callback, FitInfo, StopOnPlateau

__all__ = ["Callback", "FitInfo", "RECORD_KEYS", "StopOnPlateau"]
