import json
import math

import pytest
import torch

from rnnkit import initializers
from rnnkit.initializers import (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
                                 Identity, LecunNormal, LecunUniform, Ones, Orthogonal,
                                 RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
                                 Zeros)
from rnnkit.layers import LSTM, Dense

FAN_IN, FAN_OUT = 400, 300


@pytest.mark.parametrize("init, bound", [
    (GlorotUniform(seed=0), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (HeUniform(seed=0), math.sqrt(6 / FAN_IN)),
    (LecunUniform(seed=0), math.sqrt(3 / FAN_IN)),
])
def test_uniform_variance_scaling_draws_up_to_its_limit(init, bound):
    w = init(torch.empty(FAN_OUT, FAN_IN))               # PyTorch layout (out, in)
    assert w.abs().max() <= bound
    assert w.abs().max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("init, std", [
    (GlorotNormal(seed=0), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (HeNormal(seed=0), math.sqrt(2 / FAN_IN)),
    (LecunNormal(seed=0), math.sqrt(1 / FAN_IN)),
])
def test_truncated_normal_variance_scaling_keeps_the_std_it_names(init, std):
    w = init(torch.empty(FAN_OUT, FAN_IN))
    assert w.std() == pytest.approx(std, rel=0.02)
    assert w.abs().max() <= 2 * std / 0.87962566103423978 + 1e-6


def test_truncated_normal_never_draws_beyond_two_stddev():
    w = TruncatedNormal(mean=1.0, stddev=0.1, seed=3)((1000,))
    assert w.min() >= 0.8 and w.max() <= 1.2 and abs(float(w.mean()) - 1.0) < 0.01


def test_a_keras_shape_is_read_as_fan_in_then_fan_out():
    w = HeUniform(seed=1)((FAN_IN, FAN_OUT))             # Keras layout (in, out)
    assert w.shape == (FAN_IN, FAN_OUT)
    assert w.abs().max() <= math.sqrt(6 / FAN_IN) and w.abs().max() > 0.99 * math.sqrt(6 / FAN_IN)


def test_fans_of_a_convolution_kernel_include_the_kernel_size():
    w = VarianceScaling(1.0, "fan_in", "uniform", seed=0)(torch.empty(64, 8, 5))  # (out, in, k)
    assert w.abs().max() <= math.sqrt(3 / (8 * 5)) and w.abs().max() > 0.95 * math.sqrt(3 / 40)


def test_a_seeded_initializer_draws_the_same_values_at_every_call():
    init = RandomNormal(stddev=0.3, seed=42)
    assert torch.equal(init((5, 4)), init((5, 4)))
    assert not torch.equal(RandomNormal(seed=None)((5, 4)), RandomNormal(seed=None)((5, 4)))


def test_orthogonal_rows_are_orthonormal_times_the_gain():
    w = Orthogonal(gain=2.0, seed=0)(torch.empty(4, 9))
    torch.testing.assert_close(w @ w.T, 4.0 * torch.eye(4), atol=1e-5, rtol=0)


def test_identity_constant_zeros_and_ones_fill_what_they_name():
    assert torch.equal(Identity(gain=3.0)((2, 3)), torch.tensor([[3., 0, 0], [0, 3., 0]]))
    assert torch.equal(Constant(0.5)((2,)), torch.tensor([0.5, 0.5]))
    assert torch.equal(Zeros()((2,)), torch.zeros(2)) and torch.equal(Ones()((2,)), torch.ones(2))
    w = RandomUniform(minval=2.0, maxval=3.0, seed=0)((100,))
    assert w.min() >= 2.0 and w.max() <= 3.0


def test_get_accepts_keras_names_class_names_and_configs():
    assert isinstance(initializers.get("glorot_uniform"), GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), GlorotUniform)
    assert isinstance(initializers.get("uniform"), RandomUniform)
    keras_config = {"module": "keras.initializers", "class_name": "RandomNormal",
                    "config": {"mean": 0.0, "stddev": 0.2, "seed": 7}, "registered_name": None}
    assert initializers.get(keras_config) == RandomNormal(stddev=0.2, seed=7)


def test_an_unknown_initializer_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'.*glorot_uniform"):
        initializers.get("glorot")


def test_a_keras_function_of_shape_lands_in_pytorch_layout():
    layer = Dense(3, kernel_initializer=lambda shape, dtype=None: torch.arange(6.).reshape(shape))
    layer(torch.zeros(1, 2))
    keras_kernel = torch.arange(6.).reshape(2, 3)         # Keras asked for (in, out)
    assert torch.equal(layer.W.detach(), keras_kernel.T)


def test_layers_with_initializer_objects_round_trip_through_json_config():
    layer = LSTM(4, kernel_initializer=RandomNormal(stddev=0.01, seed=1),
                 recurrent_initializer=Orthogonal(gain=2.0, seed=2))
    config = json.loads(json.dumps(layer.get_config()))
    assert config["kernel_initializer"] == {
        "class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.01, "seed": 1}}
    copy = LSTM.from_config(config)
    x = torch.zeros(2, 3, 5)
    layer(x), copy(x)
    assert torch.equal(layer.cell.W_x, copy.cell.W_x) and torch.equal(layer.cell.W_h, copy.cell.W_h)
    assert json.loads(json.dumps(copy.get_config())) == config


def test_lowercase_functions_fill_a_tensor_or_make_an_initializer():
    assert initializers.glorot_uniform(torch.empty(3, 3)).shape == (3, 3)
    assert initializers.glorot_uniform(seed=5) == GlorotUniform(seed=5)


def test_constant_with_a_matrix_loads_pretrained_embeddings():
    import numpy as np
    from rnnkit.layers import Embedding
    matrix = np.arange(12, dtype="float32").reshape(4, 3)
    layer = Embedding(4, 3, embeddings_initializer=Constant(matrix), trainable=False)
    assert layer(torch.tensor([[2]]))[0, 0].tolist() == [6.0, 7.0, 8.0]
    dense = Dense(2, kernel_initializer=Constant(np.ones((3, 2))))    # Keras layout (in, out)
    dense(torch.zeros(1, 3))
    assert dense.W.shape == (2, 3) and float(dense.W.detach().sum()) == 6.0
    copy = Embedding.from_config(json.loads(json.dumps(layer.get_config())))
    assert torch.equal(copy.embeddings, layer.embeddings)


def test_keras_programs_call_an_initializer_with_shape_and_dtype_keywords():
    values = RandomNormal(mean=0.0, stddev=1.0, seed=0)(shape=(2, 2), dtype="float64")
    assert values.shape == (2, 2) and values.dtype == torch.float64
