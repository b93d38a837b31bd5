"""Data preprocessing with Keras's names: text.Tokenizer, sequence.pad_sequences.

    >>> from rnnkit.preprocessing.text import Tokenizer
    >>> from rnnkit.preprocessing.sequence import pad_sequences
"""

from . import sequence, text

from . import timeseries

__all__ = ["sequence", "text"]
