"""Public helpers for users of skdeep."""

from .gradcheck import check_gradient, numerical_gradient

__all__ = ["check_gradient", "numerical_gradient"]
