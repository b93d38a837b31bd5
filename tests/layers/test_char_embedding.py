"""CharCNNEmbedding: word vector beside the max-pooled character CNN, checked against
nn.Conv1d; padding words and padding characters change nothing; config round trip."""
import pytest
import torch

from rnnkit.layers import CharCNNEmbedding
from rnnkit.layers.registry import deserialize, serialize


def test_output_is_the_word_vector_then_the_max_pooled_tanh_convolution_of_nn_conv1d():
    layer = CharCNNEmbedding(10, 4, 20, char_dim=3, filters=5, kernel_size=3)
    ids = torch.tensor([[[2, 5, 6, 7], [3, 8, 0, 0]]])                # two words, 3 and 1 chars
    y = layer(ids)
    conv = torch.nn.Conv1d(3, 5, 3, padding=1)
    conv.load_state_dict({"weight": layer.W, "bias": layer.b})
    for t, n_chars in ((0, 3), (1, 1)):
        chars = layer.E_char[ids[0, t, 1:1 + max(n_chars, 3)]]         # longest word: 3 chars
        expected = torch.tanh(conv(chars.T.unsqueeze(0))).amax(dim=2)[0]
        torch.testing.assert_close(y[0, t, :4], layer.E_word[ids[0, t, 0]])
        torch.testing.assert_close(y[0, t, 4:], expected)


def test_padding_words_and_extra_padding_characters_change_nothing():
    layer = CharCNNEmbedding(10, 4, 20, filters=6)
    ids = torch.tensor([[[2, 5, 6, 7, 0], [3, 8, 9, 0, 0]]])
    padded = torch.cat([torch.cat([ids, torch.zeros(1, 2, 3, dtype=torch.long)], dim=2),
                        torch.zeros(1, 3, 8, dtype=torch.long)], dim=1)   # more chars, words
    torch.testing.assert_close(layer(padded)[:, :2], layer(ids))
    assert layer(padded)[:, 2:, 4:].abs().sum() == 0                    # no character features
    assert layer.compute_mask(padded, None).tolist() == [[True, True, False, False, False]]


def test_ids_out_of_range_and_a_missing_character_axis_get_clear_errors():
    layer = CharCNNEmbedding(10, 4, 20)
    with pytest.raises(ValueError, match=r"character ids in \[0, 20\), got values in \[0, 25\]"):
        layer(torch.tensor([[[2, 25, 0]]]))
    with pytest.raises(ValueError, match="no characters"):
        layer(torch.tensor([[[2]]]))


def test_config_round_trips_through_the_registry():
    layer = CharCNNEmbedding(10, 4, 20, char_dim=3, filters=5, kernel_size=5)
    again = deserialize(serialize(layer))
    assert again.get_config() == layer.get_config()
    assert again.W.shape == (5, 3, 5)
