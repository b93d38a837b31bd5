"""rnnkit.reference: the Elman RNN in pure NumPy with explicit BPTT (seed 004 made whole).

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),   y_t = W_hy h_t + b_y

The oracle the PyTorch layers are checked against, and the place to read BPTT line by line.
No torch import anywhere in this package.
"""
from .gradcheck import assert_gradcheck, gradcheck
from .numpy_rnn import RNN, SGD, Adagrad, Cache, clip_gradients, global_norm

__all__ = ["RNN", "Cache", "SGD", "Adagrad", "clip_gradients", "global_norm", "gradcheck",
           "assert_gradcheck", "train_char_rnn", "load_text", "main"]


def __getattr__(name):
    # The trainer is imported on first use, so `python -m rnnkit.reference.train` runs it
    # as __main__ without it already sitting in sys.modules (runpy's RuntimeWarning).
    if name in ("train_char_rnn", "load_text", "main"):
        from . import train
        return getattr(train, name)
    raise AttributeError(f"module 'rnnkit.reference' has no attribute {name!r}")
