"""`tf.data` spelled on rnnkit: `import rnnkit as tf; tf.data.Dataset.from_tensor_slices(...)`.

The Dataset iterates over NumPy elements and has the tf.data methods Keras programs call
(batch, shuffle, map, take, skip, cache, prefetch, ...); see rnnkit.utils.dataset.

    >>> import numpy as np
    >>> ds = Dataset.from_tensor_slices(np.arange(5)).batch(2)
    >>> [b.tolist() for b in ds]
    [[0, 1], [2, 3], [4]]
"""
from .utils.dataset import AUTOTUNE, Dataset

experimental = type("experimental", (), {"AUTOTUNE": AUTOTUNE})

__all__ = ["AUTOTUNE", "Dataset"]
