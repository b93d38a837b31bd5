"""Data preprocessing with Keras's names: text.Tokenizer, sequence.pad_sequences.

    >>> from rnnkit.preprocessing.text import Tokenizer
    >>> from rnnkit.preprocessing.sequence import pad_sequences
"""

from . import sequence, text

from . import timeseries
from ..utils.dataset_utils import (text_dataset_from_directory,   # tf.keras.preprocessing.*
                                   timeseries_dataset_from_array)

__all__ = ["sequence", "text", "timeseries_dataset_from_array", "text_dataset_from_directory"]
