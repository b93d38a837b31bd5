"""MultiHeadAttention: Keras 3's outputs and weight layout, masks, attention_axes, errors."""
import numpy as np
import pytest
import torch

from rnnkit.layers import MultiHeadAttention
from rnnkit.layers.registry import deserialize, serialize

from .keras_fixture import case, close, t, weights


def _loaded(layer, d, *inputs):
    layer.eval()
    layer(*inputs)
    layer.set_weights(weights(d))
    return layer


def test_self_attention_matches_keras_with_the_same_weights():
    d = case("mha_self")
    x = t(d["x"])
    mha = _loaded(MultiHeadAttention(num_heads=2, key_dim=3), d, x, x)
    y, scores = mha(x, x, return_attention_scores=True)
    close(y, d["y"])
    close(scores, d["scores"])                                     # (B, N, Tq, Tv)
    close(mha(x, x), d["y"])                                       # the fused kernel
    close(mha(x, x, attention_mask=t(d["attention_mask"])), d["y_masked"])
    close(mha(x, x, use_causal_mask=True), d["y_causal"])


def test_cross_attention_with_a_key_value_dim_and_output_shape_matches_keras():
    d = case("mha_cross")
    q, v, k = t(d["q"]), t(d["v"]), t(d["k"])
    mha = _loaded(MultiHeadAttention(2, 3, value_dim=4, output_shape=5), d, q, v, k)
    y, scores = mha(q, v, k, return_attention_scores=True)
    close(y, d["y"])
    close(scores, d["scores"])
    close(mha(q, v, k), d["y"])


def test_attention_over_another_axis_matches_keras():
    d = case("mha_axes")
    x = t(d["x"])                                                  # (B, 3, 4, D), attend over 4
    mha = _loaded(MultiHeadAttention(2, 3, attention_axes=(2,)), d, x, x)
    y, scores = mha(x, x, return_attention_scores=True)
    close(y, d["y"])
    close(scores, d["scores"])                                     # (B, 3, N, 4, 4)
    close(mha(x, x), d["y"])


def test_get_weights_uses_keras_shapes_and_set_weights_round_trips():
    mha = MultiHeadAttention(2, 3, value_dim=4, output_shape=5)
    mha(torch.zeros(1, 4, 6), torch.zeros(1, 5, 7), torch.zeros(1, 5, 8))
    w = mha.get_weights()
    assert [a.shape for a in w] == [(6, 2, 3), (2, 3), (8, 2, 3), (2, 3), (7, 2, 4), (2, 4),
                                    (2, 4, 5), (5,)]
    new = [np.random.default_rng(i).normal(size=a.shape).astype("float32")
           for i, a in enumerate(w)]
    mha.set_weights(new)
    for a, b in zip(mha.get_weights(), new):
        np.testing.assert_array_equal(a, b)


def test_use_bias_false_drops_the_four_biases():
    mha = MultiHeadAttention(2, 3, use_bias=False)
    mha(torch.zeros(1, 4, 6), torch.zeros(1, 4, 6))
    assert [a.shape for a in mha.get_weights()] == [(6, 2, 3), (6, 2, 3), (6, 2, 3), (2, 3, 6)]


def test_query_and_value_masks_fold_into_the_attention_mask():
    mha = MultiHeadAttention(2, 3).eval()
    x = torch.randn(2, 5, 6)
    v_mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    by_value_mask = mha(x, x, value_mask=v_mask)
    by_attention_mask = mha(x, x, attention_mask=v_mask[:, None, :].expand(2, 5, 5))
    torch.testing.assert_close(by_value_mask, by_attention_mask)
    torch.testing.assert_close(mha(x, x, mask=[None, v_mask]), by_value_mask)
    torch.testing.assert_close(mha(x, x, mask=v_mask),                # the graph's mask=:
                               mha(x, x, query_mask=v_mask, value_mask=v_mask))  # x's, twice
    _, scores = mha(x, x, value_mask=v_mask, return_attention_scores=True)
    assert float(scores.detach()[1, ..., 3:].max()) == 0.0


def test_a_masked_value_cannot_change_the_output():
    mha = MultiHeadAttention(2, 3).eval()
    x = torch.randn(1, 5, 6)
    v_mask = torch.tensor([[True, True, True, True, False]])
    changed = x.clone()
    changed[0, 4] += 10.0
    torch.testing.assert_close(mha(x, x, value_mask=v_mask), mha(x, changed, value_mask=v_mask))


def test_dropout_is_active_in_training_only():
    mha = MultiHeadAttention(2, 3, dropout=0.5)
    x = torch.randn(2, 5, 6)
    mha.eval()
    torch.testing.assert_close(mha(x, x), mha(x, x))
    mha.train()
    assert not torch.allclose(mha(x, x), mha(x, x))


def test_output_shape_and_masks_follow_keras():
    mha = MultiHeadAttention(2, 3, output_shape=(2, 5))
    y = mha(torch.zeros(3, 4, 6), torch.zeros(3, 7, 8))
    assert tuple(y.shape) == (3, 4, 2, 5)
    assert mha.compute_output_shape((None, 4, 6), (None, 7, 8)) == (None, 4, 2, 5)
    assert mha.compute_output_shape([(None, 4, 6), (None, 7, 8)]) == (None, 4, 2, 5)
    q_mask = torch.ones(3, 4, dtype=torch.bool)
    assert mha.compute_mask(None, [q_mask, None]) is q_mask


def test_config_round_trips_with_keras_names():
    mha = MultiHeadAttention(4, 8, value_dim=6, dropout=0.1, use_bias=False, output_shape=3,
                             attention_axes=(1,))
    config = mha.get_config()
    assert {"num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
            "attention_axes"} <= set(config)
    copy = deserialize(serialize(mha))
    assert copy.get_config() == config


def test_bad_arguments_and_inputs_are_explained():
    with pytest.raises(ValueError, match="num_heads must be a positive integer, got 0"):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match=r"mha\(x, x\)"):
        MultiHeadAttention(2, 4)(torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"attention_mask of shape \(batch, 3, 3\)"):
        MultiHeadAttention(2, 4)(torch.zeros(1, 3, 4), torch.zeros(1, 3, 4),
                                 attention_mask=torch.ones(1, 3, 5, dtype=torch.bool))
    mha = MultiHeadAttention(2, 4)
    mha(torch.zeros(1, 3, 4), torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"built for query/value/key features \(4, 4, 4\)"):
        mha(torch.zeros(1, 3, 5), torch.zeros(1, 3, 5))


def test_self_attention_on_a_masked_embedding_in_a_model_matches_keras():
    """Keras passes the query's and the value's masks; the padded tokens are never read."""
    from rnnkit import Model
    from rnnkit.layers import Embedding, Input
    d = case("mha_masked_model")
    inputs = Input(shape=(5,), dtype="int64")
    x = Embedding(10, 6, mask_zero=True)(inputs)
    model = Model(inputs, MultiHeadAttention(num_heads=2, key_dim=3)(x, x))
    model.set_weights(weights(d))
    np.testing.assert_allclose(model.predict(d["tokens"], verbose=0), d["y"], atol=1e-5)
