"""`tf.data` spelled on rnnkit: `import rnnkit as tf; tf.data.Dataset.from_tensor_slices(...)`.

The Dataset iterates over NumPy elements and has the tf.data methods Keras programs call
(batch, shuffle, map, take, skip, cache, prefetch, ...); see rnnkit.utils.dataset.
"""
from .utils.dataset import AUTOTUNE, Dataset

experimental = type("experimental", (), {"AUTOTUNE": AUTOTUNE})

__all__ = ["AUTOTUNE", "Dataset"]
