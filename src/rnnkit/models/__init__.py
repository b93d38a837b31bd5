"""Models: Sequential, functional Model(inputs, outputs) and subclassed Model, with Keras's
compile/fit/evaluate/predict; load_model and save_model."""
from ..layers.registry import register_models
from .cloning import clone_model, model_from_json
from .functional import Functional
from .saving import load_model, save_model
from .seq2seq import Seq2Seq
from .sequential import Sequential
from .training import Model

# The model classes a saved file may name; saving and Keras's files look them up by name.
register_models(Sequential, Functional, Seq2Seq, base=Model)

__all__ = ["Sequential", "Model", "Functional", "load_model", "save_model", "clone_model",
           "model_from_json"]

