"""rnnkit: recurrent neural networks for Python, the Keras API on PyTorch.

    from rnnkit.models import Sequential
    from rnnkit.layers import SimpleRNN, Dense

Programs written for Keras run after their `keras`, `tensorflow.keras` or `tf.keras` prefix
becomes `rnnkit`. `import rnnkit as tf; tf.keras.models.Sequential` works too.
"""
import sys

from . import (activations, callbacks, initializers, layers, losses, metrics, models,
               optimizers, preprocessing, utils)
from . import backend, data, random   # kutils: keras.backend, tf.data, tf.random
from .layers import Input
from .models import Sequential, load_model

__version__ = "0.1.0"

keras = sys.modules[__name__]   # so that `tf.keras.layers.LSTM` reads as `rnnkit.layers.LSTM`

__all__ = ["Sequential", "Input", "load_model", "layers", "models", "callbacks", "losses",
           "metrics", "optimizers", "preprocessing", "utils", "activations", "initializers", "backend", "data", "random"]
