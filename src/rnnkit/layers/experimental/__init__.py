"""TensorFlow 2.3-2.5's spelling: `tf.keras.layers.experimental.preprocessing.TextVectorization`."""
from . import preprocessing

__all__ = ["preprocessing"]
