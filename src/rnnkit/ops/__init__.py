"""`keras.ops` spelled on torch: the tensor functions custom cells and layers call.

A Keras program's custom cell writes `ops.matmul(inputs, self.kernel)`; with the prefix
`keras` replaced by `rnnkit` the same line runs here. Every function accepts NumPy arrays,
Python numbers or torch tensors and returns a torch tensor (`shape` returns a tuple), with
Keras's argument names and NumPy's semantics (`axis=`, `keepdims=`, `split(x, 3)` or
`split(x, [2, 5])`, `transpose(x)` reverses the axes). As in Keras, the functions live in
`ops.core`, `ops.numpy`, `ops.nn`, `ops.math` and `ops.linalg` and are all reachable as `ops.<name>`.

    >>> from rnnkit import ops
    >>> ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))).shape
    torch.Size([2, 4])
    >>> ops.sum([[1.0, 2.0], [3.0, 4.0]], axis=0)
    tensor([4., 6.])
"""
from . import core, linalg, math, nn, numpy
from .core import *
from .linalg import *
from .math import *
from .nn import *
from .numpy import *

__all__ = [*core.__all__, *linalg.__all__, *math.__all__, *nn.__all__, *numpy.__all__,
           "core", "linalg", "math", "nn", "numpy"]
