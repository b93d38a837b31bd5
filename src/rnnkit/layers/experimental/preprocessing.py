"""The preprocessing layers under their TensorFlow 2.3-2.5 module path."""
from ..preprocessing import Normalization, TextVectorization

__all__ = ["Normalization", "TextVectorization"]
