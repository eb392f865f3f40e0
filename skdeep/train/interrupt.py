"""Ctrl-C during a fit: stop cleanly after the current batch."""

import signal
import threading

from .._warn import warn


class StopAfterBatch:
    """While active, Ctrl-C (SIGINT) asks training to stop after the current batch.

    Python delivers signals to the main thread only; elsewhere this does
    nothing and Ctrl-C cannot reach the fit anyway. A KeyboardInterrupt that
    is raised all the same (by a callback, or by a SIGINT handler installed
    during the fit) ends training with a warning and keeps the model trained
    so far, as in MLPClassifier.
    """

    def __init__(self):
        self.requested = False
        self.interrupted = False
        self._previous = None

    def _request(self, signum, frame):
        self.requested = True

    def __enter__(self):
        # getsignal is None when the handler was not set from Python (an
        # embedding host owns it): leave it alone, it could not be restored.
        # A process that ignores SIGINT (SIG_IGN, e.g. a daemon or `nohup`)
        # asked not to be interrupted: keep ignoring it.
        if threading.current_thread() is threading.main_thread() and signal.getsignal(
            signal.SIGINT
        ) not in (None, signal.SIG_IGN):
            self._previous = signal.signal(signal.SIGINT, self._request)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.interrupted = True
            warn("Training interrupted by user.")
            return True
        return False
