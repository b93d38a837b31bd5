"""NumPy helpers with Keras's semantics: to_categorical."""

from numbers import Integral

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class labels -> one-hot array, class axis last.

    A trailing axis of size 1 is dropped first, so labels of shape (N, 1) give (N, C),
    as in Keras. `num_classes` defaults to max(y) + 1.

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> to_categorical([[1], [0]], num_classes=3, dtype="int64")
    array([[0, 1, 0],
           [1, 0, 0]])
    """
    y = np.asarray(y)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)  # 1.0 is the label 1, as np.array(y, dtype=int) in Keras
    if y.dtype.kind not in "iub":
        raise TypeError(f"to_categorical expects integer class labels, got dtype {y.dtype} "
                        f"(e.g. {y.ravel()[:3].tolist()}). Map classes to 0..C-1 first, e.g. "
                        "classes, y = np.unique(y, return_inverse=True).")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = y.ravel().astype(np.int64)

    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical expects labels >= 0, got {int(labels.min())}. "
                         "Shift the labels to 0..C-1 first.")
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("to_categorical cannot infer num_classes from empty labels; "
                             "pass num_classes.")
        num_classes = int(labels.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, Integral) \
            or num_classes < 1:
        raise ValueError(f"to_categorical expects num_classes to be a positive int or None, "
                         f"got {num_classes!r}.")
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"to_categorical got label {int(labels.max())} with "
                         f"num_classes={num_classes}; labels must be in 0..{num_classes - 1}. "
                         f"Pass num_classes={int(labels.max()) + 1} or fix the labels.")

    one_hot = np.zeros((labels.size, int(num_classes)), dtype=dtype)
    one_hot[np.arange(labels.size), labels] = 1
    return one_hot.reshape(shape + (int(num_classes),))


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (zero vectors stay zero), as Keras.

    >>> normalize([[3.0, 4.0]])
    array([[0.6, 0.8]])
    """
    x = np.asarray(x, dtype=float)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)
