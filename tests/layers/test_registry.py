"""The registry: classes by name for loading, filled by the packages, refusing what it lacks."""
import pytest
import torch

from rnnkit.layers import LSTM, Dense, Input, registry
from rnnkit.models import Model, Sequential


def test_every_layer_and_model_class_a_file_may_name_is_registered():
    layers, models = registry.layer_classes(), registry.model_classes()
    assert {"Dense", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "GetItem", "CRF"} <= set(layers)
    assert set(models) == {"Sequential", "Functional", "Seq2Seq"}
    assert registry.model_class("Sequential") is Sequential


def test_a_spec_round_trips_to_an_equal_layer():
    layer = LSTM(3, return_sequences=True)
    clone = registry.deserialize(registry.serialize(layer))
    assert type(clone) is LSTM and clone.get_config() == layer.get_config()


def test_an_unknown_class_is_refused_with_the_custom_objects_fix():
    with pytest.raises(ValueError, match=r"Unknown layer class 'Evil'.*custom_objects="
                                         r"\{'Evil': Evil\}"):
        registry.deserialize({"class_name": "Evil", "config": {}})


def test_a_second_class_under_a_registered_name_is_refused():
    class Dense(torch.nn.Module):                      # noqa: F811 - the clash under test
        pass
    with pytest.raises(ValueError, match="Two classes named 'Dense'"):
        registry.register_layers(Dense)


def test_an_unregistered_model_name_says_what_is_known():
    with pytest.raises(LookupError, match="No model class 'Graph'.*Functional"):
        registry.model_class("Graph")


def test_a_subclassed_model_inside_another_model_is_refused_as_code():
    class Mine(Model):
        def call(self, inputs):
            return inputs
    with pytest.raises(TypeError, match="subclassed model 'Mine'.*save_weights"):
        registry.serialize(Mine())
    assert registry.serialize(Sequential([Input(shape=(2,)), Dense(1)]))["class_name"] == \
        "Sequential"
