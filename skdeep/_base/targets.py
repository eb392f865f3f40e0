"""The targets of a fit: class labels or real values.

One object per fitted model owns what the network's outputs mean: it encodes
``y`` into the matrix the network learns, decodes outputs into predictions,
gives the labels a validation split may be stratified on, and scores a
validation split's predictions. A fit makes a new one (or checks ``y``
against the fitted one when it continues the model); nothing changes it
afterwards, so the transaction's copy of the estimator's attributes covers it.

:class:`ClassLabels`
    scikit-learn's ``LabelBinarizer`` encoding: one 0/1 column for two
    classes (or one), one column per class for more, one per label for
    multilabel targets; optionally smoothed towards uniform.
:class:`Values`
    real values, one column per output; optionally standardized with the
    first fit's (weighted) mean and standard deviation.
"""

import math
from numbers import Real

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import unique_labels

from .checks import cannot_continue


class Targets:
    """What both kinds of targets share: the validation score's rule for diverged outputs."""

    def score(self, predictions, Y, sample_weight=None):
        """The validation score of ``predictions`` against encoded targets ``Y``.

        NaN if any prediction is not finite (a diverged epoch): the stopping
        rule never counts it as an improvement.
        """
        if not np.isfinite(predictions).all():
            return np.nan
        return self._score(predictions, Y, sample_weight)

    def strata(self, Y, validation_fraction):
        """Labels to stratify a validation split of ``validation_fraction`` on, or None."""
        return None


class ClassLabels(Targets):
    """Class labels, encoded as scikit-learn's ``LabelBinarizer`` encodes them.

    Parameters
    ----------
    label_type : {'binary', 'multiclass', 'multilabel-indicator'}
        The kind of ``y`` (``type_of_target``); a single class is 'binary'.
    classes : ndarray or None
        The sorted classes (label indices for multilabel targets). None only
        while a model file is read, until its classes are.
    sparse_input : bool, default=False
        Whether ``y`` was a sparse matrix: predictions are one too.
    """

    def __init__(self, label_type, classes=None, sparse_input=False):
        binarizer = LabelBinarizer()
        binarizer.y_type_, binarizer.sparse_input_ = label_type, sparse_input
        if classes is not None:
            binarizer.classes_ = classes
        self._binarizer = binarizer

    @classmethod
    def fit(cls, y):
        """The labels of ``y`` (or of the list of every class ``partial_fit`` is given)."""
        return cls._of(LabelBinarizer().fit(y))

    @classmethod
    def _of(cls, binarizer):
        labels = cls.__new__(cls)
        labels._binarizer = binarizer
        return labels

    @property
    def label_type(self):
        return self._binarizer.y_type_

    @property
    def classes(self):
        return getattr(self._binarizer, "classes_", None)

    @property
    def sparse_input(self):
        return self._binarizer.sparse_input_

    def with_classes(self, classes):
        """These labels under other names: ``classes`` in place of ``self.classes``."""
        return ClassLabels(self.label_type, classes, self.sparse_input)

    @property
    def output_activation(self):
        """One softmax over the classes, or one sigmoid per column (binary, multilabel)."""
        return "softmax" if self.label_type == "multiclass" else "logistic"

    # ----------------------------------------------------------------- a fit's targets
    def continued(self, y, incremental):
        """These labels, once ``y`` is checked to fit them (MLPClassifier's rules and words).

        A warm-started fit must see the same classes; ``partial_fit`` any of them.
        """
        classes = unique_labels(y)
        if not incremental:
            if set(classes) != set(self.classes):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous "
                    f"call to fit. Previously got {self.classes}, `y` has {classes}."
                )
        elif len(np.setdiff1d(classes, self.classes)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes}. "
                f"'y' has {classes}."
            )
        return self

    def encode(self, y, smoothing=0.0):
        """One-hot (or 0/1 indicator) targets, moved towards uniform by ``smoothing``."""
        Y = self._binarizer.transform(y)
        if not smoothing:
            return Y
        n_choices = Y.shape[1] if self.label_type == "multiclass" else 2  # a sigmoid column: 2
        return Y.astype(np.float64) * (1.0 - smoothing) + smoothing / n_choices

    def decode(self, outputs):
        """The labels of network outputs (probabilities, or encoded targets)."""
        if outputs.shape[1] == 1:
            outputs = outputs.ravel()
        return self._binarizer.inverse_transform(outputs)

    def indices(self, Y):
        """Index into ``classes`` of each row of single-label encoded targets ``Y``."""
        return (Y[:, 0] > 0.5).astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)

    def sample_weights(self, class_weight, Y, incremental=False):
        """Per-sample weights ``class_weight[y_i]`` for encoded targets ``Y``, or None without them."""
        if class_weight is None:
            return None
        if self.label_type == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        if class_weight == "balanced" and incremental:
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: one batch "
                "cannot tell the class frequencies. Pass a dict of weights instead."
            )
        labels = self.classes[self.indices(Y)]
        if isinstance(class_weight, dict):
            check_class_weight_dict(class_weight, self.classes)
        present = np.unique(labels)  # a partial_fit batch may lack some classes
        weights = compute_class_weight(class_weight, classes=present, y=labels)
        return weights[np.searchsorted(present, labels)]

    def strata(self, Y, validation_fraction):
        """The class of each row, when every class can be on both sides of the split; else None."""
        if self.label_type == "multilabel-indicator":
            return None
        indices = self.indices(Y)
        classes, counts = np.unique(indices, return_counts=True)
        n_validation = math.ceil(validation_fraction * len(Y))
        if counts.min() < 2 or n_validation < len(classes) or len(Y) - n_validation < len(classes):
            return None
        return indices

    def _score(self, predictions, Y, sample_weight):
        # Accuracy of the labels predict would give (a single class is always right).
        return accuracy_score(self.decode(Y), self.decode(predictions), sample_weight=sample_weight)

    # ----------------------------------------------------------------- pickles
    def as_attributes(self):
        """These labels as the estimator attributes of earlier versions (see BaseNet.__getstate__)."""
        return {"_label_binarizer": self._binarizer, "classes_": self.classes}

    @classmethod
    def from_attributes(cls, attributes):
        """The labels :meth:`as_attributes` stored, removed from ``attributes``; None if absent."""
        attributes.pop("classes_", None)
        binarizer = attributes.pop("_label_binarizer", None)
        return None if binarizer is None else cls._of(binarizer)


def _moments_of_huge(Y, sample_weight):
    """Weighted mean and deviation of finite targets whose sums overflow (beyond about 1e154).

    Each column is divided by its largest magnitude first, so every square and
    sum stays finite; the moments are then scaled back.
    """
    magnitude = np.abs(Y).max(axis=0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    unit = Y / magnitude
    mean = np.average(unit, axis=0, weights=sample_weight)
    deviation = np.sqrt(np.average((unit - mean) ** 2, axis=0, weights=sample_weight))
    return mean * magnitude, deviation * magnitude


class Values(Targets):
    """Real-valued targets, one column per output, optionally standardized.

    Parameters
    ----------
    n_outputs : int
        Columns of the encoded targets.
    mean, scale : ndarray of shape (n_outputs,) or None
        Standardization: encoded ``(y - mean) / scale``; a constant column
        has scale 0 (encoded as ``y - mean``, predicted as exactly its mean).
        None for targets learned as they are.
    """

    def __init__(self, n_outputs, mean=None, scale=None):
        self.n_outputs, self.mean, self.scale = n_outputs, mean, scale

    @property
    def standardized(self):
        return self.mean is not None

    @classmethod
    def fit(cls, y, sample_weight=None, standardize=False):
        """The values of ``y`` (1-D or 2-D); with ``standardize``, their weighted mean and deviation."""
        Y = y.reshape(len(y), -1)
        if not standardize:
            return cls(Y.shape[1])
        with np.errstate(over="ignore", invalid="ignore"):
            mean = np.average(Y, axis=0, weights=sample_weight)
            scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sample_weight))
            constant = np.ptp(Y, axis=0) == 0  # (inf for a range beyond float64's: not constant)
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            mean, scale = _moments_of_huge(Y, sample_weight)
        # 0 for a constant column (not a rounding residue): its prediction is then exactly its mean
        return cls(Y.shape[1], mean, np.where(constant, 0.0, scale))

    def continued(self, y, incremental):
        """These values, once ``y`` is checked to fit them: as many outputs, constants still constant."""
        Y = y.reshape(len(y), -1)
        if Y.shape[1] != self.n_outputs:
            raise cannot_continue(
                f"y has {Y.shape[1]} outputs but the model was fitted with {self.n_outputs}", incremental)
        if self.standardized and ((self.scale == 0) & (np.ptp(Y, axis=0) != 0)).any():
            raise cannot_continue(
                "a target column that was constant in the first fit varies now, and the model "
                "predicts it as that constant", incremental)
        return self

    def encode(self, y):
        """The targets as a 2-D matrix, standardized if these values are."""
        Y = y.reshape(len(y), -1)
        if not self.standardized:
            return Y
        scale = np.where(self.scale > 0, self.scale, 1.0)
        with np.errstate(over="ignore"):
            encoded = (Y - self.mean) / scale
        if not np.isfinite(encoded).all():  # y - mean overflowed: targets near float64's limit
            encoded = Y / scale - self.mean / scale
        return encoded

    def decode(self, outputs):
        """Predictions in the units of ``y``; 1-D for a single output."""
        if self.standardized:
            with np.errstate(over="ignore"):
                outputs = outputs * self.scale + self.mean
            # Targets near float64's limit: a prediction beyond it is its largest value, never inf.
            limit = np.finfo(outputs.dtype).max
            outputs = np.nan_to_num(outputs, nan=np.nan, posinf=limit, neginf=-limit)
        return outputs.ravel() if outputs.shape[1] == 1 else outputs

    def _score(self, predictions, Y, sample_weight):
        # R² is the same on standardized targets: no need to unscale.
        return r2_score(Y, predictions, sample_weight=sample_weight)

    # ----------------------------------------------------------------- pickles
    def as_attributes(self):
        """These values as the estimator attributes of earlier versions (see BaseNet.__getstate__)."""
        if not self.standardized:
            return {}
        return {"y_mean_": self.mean, "y_scale_": self.scale, "_y_ndim": 1 if self.n_outputs == 1 else 2}

    @classmethod
    def from_attributes(cls, attributes):
        """The values :meth:`as_attributes` stored, removed from ``attributes``; None if unfitted."""
        attributes.pop("_y_ndim", None)
        if "y_mean_" in attributes:
            mean, scale = attributes.pop("y_mean_"), attributes.pop("y_scale_")
            return cls(len(mean), mean, scale)
        network = attributes.get("_network")
        return None if network is None else cls(network.layer_sizes[-1])


def check_class_weight_dict(class_weight, classes):
    """Refuse a class_weight naming unknown classes or with weights that are not finite and >= 0."""
    known = set(classes.tolist())
    unknown = [key for key in class_weight if key not in known]
    if unknown:
        raise ValueError(f"class_weight names classes not in y: {unknown}.")
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or isinstance(weight, bool) or not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"class_weight must map classes to finite non-negative numbers; class {label!r} "
                f"has weight {weight!r}."
            )
