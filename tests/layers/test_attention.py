"""Attention and AdditiveAttention: Keras 3's outputs, masks, shapes, config and errors."""
import pytest
import torch

from rnnkit.layers import AdditiveAttention, Attention
from rnnkit.layers.registry import deserialize, serialize

from .keras_fixture import case, close, t, weights

KERAS_CASES = {
    "attention_dot": lambda: Attention(),
    "attention_scaled": lambda: Attention(use_scale=True),
    "attention_concat": lambda: Attention(use_scale=True, score_mode="concat"),
    "additive": lambda: AdditiveAttention(),
    "additive_noscale": lambda: AdditiveAttention(use_scale=False),
}


def _loaded(name):
    d, layer = case(name), KERAS_CASES[name]().eval()
    layer([t(d["q"]), t(d["v"]), t(d["k"])])
    layer.set_weights(weights(d))
    return d, layer


@pytest.mark.parametrize("name", KERAS_CASES)
def test_outputs_and_scores_match_keras_with_the_same_weights(name):
    d, layer = _loaded(name)
    y, scores = layer([t(d["q"]), t(d["v"]), t(d["k"])], return_attention_scores=True)
    close(y, d["y"])
    close(scores, d["scores"])
    close(layer([t(d["q"]), t(d["v"]), t(d["k"])]), d["y"])     # the fused path, no scores


@pytest.mark.parametrize("name", KERAS_CASES)
def test_query_and_value_masks_match_keras(name):
    d, layer = _loaded(name)
    y = layer([t(d["q"]), t(d["v"]), t(d["k"])], mask=[t(d["q_mask"]), t(d["v_mask"])])
    close(y, d["y_masked"])


@pytest.mark.parametrize("name", KERAS_CASES)
def test_causal_mask_matches_keras(name):
    d, layer = _loaded(name)
    y, scores = layer([t(d["q"]), t(d["v"])], use_causal_mask=True, return_attention_scores=True)
    close(y, d["y_causal"])
    close(scores, d["scores_causal"])
    assert float(scores.detach().triu(1).abs().max()) == 0.0             # no query reads the future


def _built(layer, q):
    layer([q, q])
    return layer


def test_weights_have_keras_shapes():
    q = torch.zeros(2, 3, 4)
    assert [w.shape for w in _built(Attention(use_scale=True), q).get_weights()] == [()]
    assert [w.shape for w in _built(Attention(use_scale=True, score_mode="concat"),
                                    q).get_weights()] == [(), ()]
    assert [w.shape for w in _built(AdditiveAttention(), q).get_weights()] == [(4,)]
    assert _built(Attention(), q).get_weights() == []


def test_padded_query_rows_are_zero_and_keep_their_mask():
    layer = Attention()
    q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    q_mask = torch.tensor([[True, True, False], [True, True, True]])
    y = layer([q, v], mask=[q_mask, None])
    assert float(y[0, 2].abs().max()) == 0.0 and float(y[1, 2].abs().max()) > 0.0
    assert layer.compute_mask([q, v], [q_mask, None]) is q_mask


def test_masked_values_get_no_weight():
    layer = Attention()
    v_mask = torch.tensor([[True, True, False, False, False]])
    _, scores = layer([torch.randn(1, 3, 4), torch.randn(1, 5, 4)], mask=[None, v_mask],
                      return_attention_scores=True)
    assert float(scores[..., 2:].max()) == 0.0
    torch.testing.assert_close(scores.sum(-1), torch.ones(1, 3))


def test_a_query_with_every_value_masked_averages_them_as_keras_does():
    v = torch.randn(1, 4, 3)
    y = Attention()([torch.randn(1, 2, 3), v], mask=[None, torch.zeros(1, 4, dtype=torch.bool)])
    torch.testing.assert_close(y, v.mean(1, keepdim=True).expand(1, 2, 3))


def test_output_shape_takes_the_query_steps_and_the_value_features():
    layer = Attention()
    y = layer([torch.zeros(2, 3, 4), torch.zeros(2, 7, 6), torch.zeros(2, 7, 4)])
    assert tuple(y.shape) == (2, 3, 6)
    assert layer.compute_output_shape([(None, 3, 4), (None, 7, 6)]) == (None, 3, 6)


def test_dropout_changes_training_outputs_only():
    layer = AdditiveAttention(dropout=0.5)
    q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    layer.eval()
    torch.testing.assert_close(layer([q, v]), layer([q, v]))
    layer.train()
    assert not torch.allclose(layer([q, v]), layer([q, v]))


def test_scale_learns_by_gradient_on_the_fused_path():
    layer = Attention(use_scale=True)
    layer([torch.randn(2, 3, 4), torch.randn(2, 5, 4)]).sum().backward()
    assert layer.scale.grad is not None and float(layer.scale.grad.abs()) > 0


@pytest.mark.parametrize("layer", [Attention(use_scale=True, score_mode="concat", dropout=0.1),
                                   AdditiveAttention(use_scale=False)])
def test_config_round_trips_with_keras_names(layer):
    config = layer.get_config()
    assert "use_scale" in config and "dropout" in config
    assert ("score_mode" in config) == (type(layer) is Attention)    # Keras drops it for additive
    copy = deserialize(serialize(layer))
    assert type(copy) is type(layer) and copy.get_config() == config


def test_calling_on_one_tensor_says_to_pass_a_list():
    with pytest.raises(ValueError, match=r"\[query, value\].*self-attention pass \[x, x\]"):
        Attention()(torch.zeros(2, 3, 4))


def test_mismatched_query_and_key_features_are_named():
    with pytest.raises(ValueError, match=r"query \(2, 3, 4\).*key \(2, 5, 6\)"):
        Attention()([torch.zeros(2, 3, 4), torch.zeros(2, 5, 6)])


def test_unknown_score_mode_lists_the_choices():
    with pytest.raises(ValueError, match="'dot' or 'concat'"):
        Attention(score_mode="general")
