"""Utilities with Keras's names: set_random_seed, to_categorical, pad_sequences, the dataset
makers (timeseries_dataset_from_array, text_dataset_from_directory) and PyDataset/Sequence.

    >>> to_categorical([0, 2], num_classes=3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    >>> pad_sequences([[1], [2, 3]], maxlen=3).tolist()
    [[0, 0, 1], [0, 2, 3]]
"""
from __future__ import annotations

import random

import numpy as np
import torch

from ..preprocessing.sequence import pad_sequences
from .dataset import AUTOTUNE, Dataset
from .dataset_utils import (PyDataset, Sequence, TimeseriesGenerator, get_custom_objects,
                            register_keras_serializable, text_dataset_from_directory,
                            timeseries_dataset_from_array)
from .np_utils import normalize, to_categorical


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch: the same seed gives the same weights and batches on CPU."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))


__all__ = ["set_random_seed", "to_categorical", "normalize", "pad_sequences", "Dataset",
           "AUTOTUNE", "PyDataset", "Sequence", "timeseries_dataset_from_array",
           "text_dataset_from_directory", "TimeseriesGenerator", "register_keras_serializable",
           "get_custom_objects"]
