"""Models: Sequential, functional Model(inputs, outputs) and subclassed Model, with Keras's
compile/fit/evaluate/predict; load_model and save_model."""
from .cloning import clone_model, model_from_json
from .functional import Functional
from .saving import load_model, save_model
from .sequential import Sequential
from .training import Model

__all__ = ["Sequential", "Model", "Functional", "load_model", "save_model", "clone_model",
           "model_from_json"]
