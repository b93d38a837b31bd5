"""Sequence preprocessing with Keras's semantics, in NumPy: pad_sequences."""

from numbers import Integral

import numpy as np

SIDES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad or cut sequences to one length: a list of N sequences -> array (N, maxlen, ...).

    Args:
        sequences: list of sequences (lists or arrays); each item of a sequence is a scalar
            or an array of one fixed shape (the sample shape, taken from the first
            non-empty sequence). Empty sequences give rows of padding.
        maxlen: length T of the output, a positive int; None means the longest length.
        dtype: dtype of the output (str or numpy dtype); use `object` for str tokens.
        padding: 'pre' pads before each sequence, 'post' after.
        truncating: 'pre' cuts sequences longer than maxlen at the start (keeps the last
            maxlen items), 'post' at the end (keeps the first maxlen items).
        value: the padding value. A str needs dtype object or a str dtype; a non-integral
            float (0.5, nan) needs a float dtype, since an int dtype would cast it silently.

    Returns:
        np.ndarray of shape (len(sequences), maxlen) + sample_shape.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
    array([[1, 0],
           [2, 3],
           [5, 6]], dtype=int32)
    >>> pad_sequences([[1, 2, 3], []], maxlen=2, truncating="post", value=-1)
    array([[ 1,  2],
           [-1, -1]], dtype=int32)
    >>> pad_sequences([[[1.0, 2.0]], []], dtype="float32").shape
    (2, 1, 2)
    """
    for name, side in (("padding", padding), ("truncating", truncating)):
        if side not in SIDES:
            raise ValueError(f"pad_sequences expects {name}='pre' or 'post', got {side!r}.")
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise ValueError(f"pad_sequences expects a list of sequences, got "
                         f"{type(sequences).__name__} {sequences!r}.")
    sequences = list(sequences)
    lengths = [_length(seq, position) for position, seq in enumerate(sequences)]
    sample_shape = _sample_shape(sequences)

    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, Integral) or maxlen < 1:
        raise ValueError(f"pad_sequences expects maxlen to be a positive int or None, got "
                         f"{maxlen!r}. Use None to pad to the longest sequence.")
    maxlen = int(maxlen)
    dtype = _check_dtype_and_value(dtype, value)

    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for position, seq in enumerate(sequences):
        if lengths[position] == 0:
            continue  # an empty sequence stays a row of padding
        try:
            seq = np.asarray(seq, dtype=dtype)
        except (ValueError, TypeError) as error:
            raise ValueError(f"pad_sequences could not convert sequence {position} to "
                             f"dtype {dtype}: {error}. Every item must have shape "
                             f"{sample_shape} and fit the dtype.") from error
        if seq.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: the items of sequence {position} have shape "
                             f"{seq.shape[1:]}, but the first non-empty sequence set the "
                             f"sample shape {sample_shape}. All items must have one shape.")
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if padding == "pre":
            x[position, maxlen - len(kept):] = kept
        else:
            x[position, :len(kept)] = kept
    return x


def _length(seq, position):
    """len(seq), with an error that names the usual mistakes (one flat list, raw text)."""
    if isinstance(seq, (str, bytes)):
        raise ValueError(f"pad_sequences expects sequences of tokens, but item {position} is "
                         f"the {type(seq).__name__} {seq[:40]!r}. Turn texts into sequences "
                         "first (Tokenizer.texts_to_sequences), or pass list(text).")
    try:
        return len(seq)
    except TypeError as error:
        raise ValueError(f"pad_sequences expects a list of sequences (lists or arrays), but "
                         f"item {position} is {type(seq).__name__} {seq!r}. For a single "
                         f"sequence, wrap it in a list: pad_sequences([sequence]).") from error


def _sample_shape(sequences):
    """Shape of one time step, from the first non-empty sequence: () for scalars."""
    for position, seq in enumerate(sequences):
        if len(seq):
            try:
                return np.asarray(seq).shape[1:]
            except ValueError as error:
                raise ValueError(f"pad_sequences: the items of sequence {position} have "
                                 f"different shapes ({error}). All items must have one "
                                 "shape.") from error
    return ()


def _check_dtype_and_value(dtype, value):
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"pad_sequences expects a numpy dtype such as 'int32', 'float32' or "
                        f"object, got {dtype!r}.") from error
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(f"pad_sequences: dtype {dtype} is not compatible with value "
                         f"{value!r} of type str. Set dtype=object for str tokens.")
    if (dtype.kind in "iu" and isinstance(value, (float, np.floating))
            and not float(value).is_integer()):
        raise ValueError(f"pad_sequences: value={value!r} is not an integer, but dtype "
                         f"{dtype} is; it would be cast silently. Pass an integer value, or "
                         "a float dtype such as dtype='float32'.")
    return dtype


from ..utils.dataset_utils import TimeseriesGenerator  # noqa: E402  Keras 2's home of it (kutils)
