"""rnnkit: recurrent neural networks for Python, the Keras API on PyTorch.

    from rnnkit.models import Sequential
    from rnnkit.layers import SimpleRNN, Dense

Programs written for Keras run after their `keras`, `tensorflow.keras` or `tf.keras` prefix
becomes `rnnkit`. `import rnnkit as tf; tf.keras.models.Sequential` works too.

    >>> import rnnkit as tf
    >>> tf.keras.layers.LSTM is tf.layers.LSTM
    True
    >>> from rnnkit.keras.layers import Dense
    >>> Dense is tf.layers.Dense
    True
"""
import sys

from . import _keras_alias
from . import (activations, callbacks, constraints, initializers, layers, losses, metrics,
               models, optimizers, preprocessing, regularizers, utils)
from .layers import Input, Layer
from .models import Model, Sequential, load_model
from . import ops  # keras.ops on torch
from . import backend, data, random   # keras.backend, tf.data, tf.random
from . import config, mixed_precision   # keras.config (threads: set_threads), keras.mixed_precision

__version__ = "0.1.0"

keras = sys.modules[__name__]   # so that `tf.keras.layers.LSTM` reads as `rnnkit.layers.LSTM`

sys.modules[f"{__name__}.keras"] = keras
sys.meta_path.insert(0, _keras_alias.KerasAlias(__name__))

__all__ = ["Sequential", "Model", "Input", "Layer", "load_model", "layers", "models", "callbacks", "losses",
           "metrics", "optimizers", "preprocessing", "utils", "activations", "initializers",
           "regularizers", "constraints",
           "backend", "data", "ops", "random"]
