"""Models: Sequential (an nn.Module with Keras's compile/fit/predict) and load_model."""
from .saving import load_model, save_model
from .sequential import Sequential
from .training import Model

__all__ = ["Sequential", "Model", "load_model", "save_model"]
