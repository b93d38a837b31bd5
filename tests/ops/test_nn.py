"""rnnkit.ops (nn part): activations, encodings, normalisation, losses, attention."""
import math

import numpy as np
import torch

from rnnkit import ops


def test_activations_follow_their_equations():
    x = torch.linspace(-3, 3, 7)
    torch.testing.assert_close(ops.sigmoid(x), 1 / (1 + torch.exp(-x)))
    torch.testing.assert_close(ops.tanh(x), torch.tanh(x))
    torch.testing.assert_close(ops.relu(x), x.clamp(min=0))
    torch.testing.assert_close(ops.hard_sigmoid(x), (x / 6 + 0.5).clamp(0, 1))   # Keras 3
    torch.testing.assert_close(ops.leaky_relu(x), torch.where(x > 0, x, 0.2 * x))
    torch.testing.assert_close(ops.softmax(x.reshape(1, 7)).sum(), torch.tensor(1.0))
    torch.testing.assert_close(ops.log_softmax(x).exp(), ops.softmax(x))


def test_one_hot_and_multi_hot_encode_class_ids():
    assert ops.one_hot([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert ops.multi_hot(np.array([[1, 3], [0, 0]]), 4).tolist() == [[0, 1, 0, 1], [1, 0, 0, 0]]


def test_moments_give_the_population_mean_and_variance():
    mean, var = ops.moments(np.arange(6.0).reshape(2, 3), axes=[1])
    assert mean.tolist() == [1.0, 4.0]
    np.testing.assert_allclose(var.numpy(), [2 / 3, 2 / 3])


def test_normalize_gives_unit_rows():
    torch.testing.assert_close(ops.norm(ops.normalize(np.array([[3.0, 4.0]])), axis=-1),
                               torch.tensor([1.0], dtype=torch.float64))


def test_crossentropies_match_their_definitions():
    p = np.array([[0.2, 0.8]], "float32")
    np.testing.assert_allclose(ops.categorical_crossentropy(np.array([[0.0, 1.0]]), p).numpy(),
                               [-math.log(0.8)], rtol=1e-5)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy([1], p).numpy(),
                               [-math.log(0.8)], rtol=1e-5)
    np.testing.assert_allclose(ops.binary_crossentropy([1.0], [0.8]).numpy(),
                               [-math.log(0.8)], rtol=1e-5)


def test_dot_product_attention_equals_the_written_out_softmax():
    q, k, v = torch.randn(2, 3, 2, 4), torch.randn(2, 5, 2, 4), torch.randn(2, 5, 2, 4)
    mask = torch.rand(2, 2, 3, 5) > 0.3
    mask[..., 0] = True
    out = ops.dot_product_attention(q, k, v, mask=mask)              # (B, T, N, H)
    scores = torch.einsum("btnh,bsnh->bnts", q, k) / 2.0            # 1/sqrt(4)
    weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
    torch.testing.assert_close(out, torch.einsum("bnts,bsnh->btnh", weights, v))
