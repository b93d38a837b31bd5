"""Keras's shapes for every flag, masks equal to unpadded runs on every path, state, config.

Which path a call takes, and why, is tested with the chooser in tests/kernels/test_dispatch.py.
"""
import itertools

import pytest
import torch

from rnnkit.kernels import use_path
from rnnkit.kernels.rnn import fused_available
from rnnkit.layers import GRU, LSTM, Bidirectional, SimpleRNN
from rnnkit.layers.recurrent import RNN

B, T, D, H = 3, 6, 4, 5
KINDS = [SimpleRNN, LSTM, GRU]


def n_states(cls):
    return 2 if cls is LSTM else 1


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("return_sequences,return_state,go_backwards",
                         list(itertools.product([False, True], repeat=3)))
def test_every_flag_combination_gives_keras_shapes(cls, return_sequences, return_state,
                                                   go_backwards):
    layer = cls(H, return_sequences=return_sequences, return_state=return_state,
                go_backwards=go_backwards)
    out = layer(torch.randn(B, T, D))
    y_shape = (B, T, H) if return_sequences else (B, H)
    if return_state:
        assert [tuple(o.shape) for o in out] == [y_shape] + [(B, H)] * n_states(cls)
    else:
        assert tuple(out.shape) == y_shape


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("merge_mode,width", [("concat", 2 * H), ("sum", H), ("mul", H),
                                              ("ave", H), (None, H)])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_bidirectional_merge_modes_give_keras_shapes(cls, merge_mode, width, return_sequences,
                                                     return_state):
    bi = Bidirectional(cls(H, return_sequences=return_sequences, return_state=return_state),
                       merge_mode=merge_mode)
    out = bi(torch.randn(B, T, D))
    y_shape = (B, T, width) if return_sequences else (B, width)
    outputs = out if (return_state or merge_mode is None) else [out]
    n_y = 2 if merge_mode is None else 1
    assert [tuple(o.shape) for o in outputs[:n_y]] == [y_shape] * n_y
    if return_state:
        assert [tuple(s.shape) for s in outputs[n_y:]] == [(B, H)] * (2 * n_states(cls))


def padded(x_list, side):
    """Pad sequences of different lengths to one (B, T, D) tensor and its mask."""
    T_max = max(len(x) for x in x_list)
    x = torch.zeros(len(x_list), T_max, x_list[0].shape[-1], dtype=x_list[0].dtype)
    mask = torch.zeros(len(x_list), T_max, dtype=torch.bool)
    for i, seq in enumerate(x_list):
        span = slice(0, len(seq)) if side == "post" else slice(T_max - len(seq), T_max)
        x[i, span], mask[i, span] = seq, True
    return x, mask


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("side", ["pre", "post"])
@pytest.mark.parametrize("path", ["torch", "rnnkit", "loop"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_batch_equals_each_sequence_run_alone(cls, side, path, go_backwards):
    if path == "rnnkit" and not fused_available()[0]:
        pytest.skip(fused_available()[1])
    layer = cls(H, return_state=True, go_backwards=go_backwards)
    seqs = [torch.randn(n, D, dtype=torch.float64) for n in (6, 2, 4)]
    layer.maybe_build((None, None, D))
    layer.double()
    x, mask = padded(seqs, side)
    with use_path(path):
        batch = layer(x, mask=mask)
    assert layer.last_path == path
    for i, seq in enumerate(seqs):
        alone = layer(seq[None])
        for got, want in zip(batch, alone):
            torch.testing.assert_close(got[i], want[0])


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("side", ["pre", "post"])
@pytest.mark.parametrize("implementation", ["compiled", "loop"])
def test_masked_sequence_outputs_line_up_with_the_unpadded_run(cls, side, implementation):
    layer = cls(H, return_sequences=True, implementation=implementation).double()
    seqs = [torch.randn(n, D, dtype=torch.float64) for n in (5, 3)]
    x, mask = padded(seqs, side)
    out = layer(x, mask=mask)
    alone = layer(seqs[1][None])[0]
    torch.testing.assert_close(out[1][mask[1]], alone)
    if side == "post":                  # Keras's default: padded steps repeat the last output
        torch.testing.assert_close(out[1][~mask[1]], alone[-1].expand(2, H))
    else:                               # ... and are zeros before the first real step
        assert torch.count_nonzero(out[1][~mask[1]]) == 0


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("implementation", ["compiled", "loop"])
def test_zero_output_for_mask_writes_zeros_at_padded_steps(cls, implementation):
    layer = cls(H, return_sequences=True, zero_output_for_mask=True,
                implementation=implementation)
    x, mask = padded([torch.randn(n, D) for n in (5, 3)], "post")
    out = layer(x, mask=mask)
    assert torch.count_nonzero(out[1][~mask[1]]) == 0
    assert torch.count_nonzero(out[1][mask[1]]) == 3 * H


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("implementation", ["compiled", "loop"])
def test_an_all_padding_row_keeps_the_initial_state_and_does_not_crash(cls, implementation):
    layer = cls(H, return_sequences=True, return_state=True, implementation=implementation)
    x = torch.randn(2, T, D)
    mask = torch.ones(2, T, dtype=torch.bool)
    mask[1] = False
    y, *states = layer(x, mask=mask)
    assert torch.count_nonzero(y[1]) == 0
    for s in states:
        assert torch.count_nonzero(s[1]) == 0


def test_strict_compiled_mode_raises_instead_of_falling_back_and_says_why():
    layer = SimpleRNN(H, activation="sigmoid", implementation="compiled")
    with pytest.raises(RuntimeError, match="asked for the 'compiled' path .* takes 'loop'.*"
                                           "not 'sigmoid'"):
        layer(torch.randn(B, T, D))


def test_the_old_name_fused_is_read_as_compiled():
    assert LSTM(H, implementation="fused").implementation == "compiled"


def test_stateful_layer_carries_state_between_batches_until_reset():
    layer = SimpleRNN(H, stateful=True).double()
    x = torch.randn(B, 2 * T, D, dtype=torch.float64)
    whole = SimpleRNN(H)
    whole.maybe_build((None, None, D))
    whole.double()
    layer(x[:, :T])
    whole.load_state_dict(layer.state_dict())
    torch.testing.assert_close(layer(x[:, T:]), whole(x))
    layer.reset_states()
    torch.testing.assert_close(layer(x[:, T:]), whole(x[:, T:]))


def test_stateful_layer_rejects_a_change_of_batch_size():
    layer = GRU(H, stateful=True)
    layer(torch.randn(B, T, D))
    with pytest.raises(ValueError, match="fixed batch size"):
        layer(torch.randn(B + 1, T, D))


@pytest.mark.parametrize("cls", KINDS)
def test_config_round_trips_through_from_config(cls):
    layer = cls(7, return_sequences=True, go_backwards=True, dropout=0.25)
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_repr_shows_the_arguments_that_differ_from_defaults():
    assert "units=7, return_sequences=True" in repr(LSTM(7, return_sequences=True))


@pytest.mark.parametrize("x,match", [
    (torch.randn(B, T), r"expects input of shape \(batch, time, features\), got shape \(3, 6\)"),
    (torch.randn(B, 0, D), "no time steps"),
])
def test_bad_input_shapes_get_a_clear_error(x, match):
    with pytest.raises(ValueError, match=match):
        LSTM(H)(x)


def test_wrong_feature_size_after_build_names_both_sizes():
    layer = GRU(H)
    layer(torch.randn(B, T, D))
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, time, 4\), got \(3, 6, 2\)"):
        layer(torch.randn(B, T, 2))


def test_unknown_names_and_bad_arguments_are_rejected_with_the_choices():
    with pytest.raises(ValueError, match="Unknown activation 'tanhh'. Available:.*tanh"):
        SimpleRNN(3, activation="tanhh")
    with pytest.raises(ValueError, match="units must be a positive integer"):
        LSTM(0)
    with pytest.raises(ValueError, match="implementation must be one of"):
        GRU(3, implementation="fast")
    with pytest.raises(ValueError, match=r"dropout must be a fraction in \[0, 1\)"):
        LSTM(3, dropout=1.5)


def test_every_recurrent_layer_is_a_torch_module():
    assert all(issubclass(cls, torch.nn.Module) and issubclass(cls, RNN) for cls in KINDS)
