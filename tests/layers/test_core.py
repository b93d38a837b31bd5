"""Dense, Embedding, Masking, Dropout, TimeDistributed: shapes, masks, oracles, errors."""
import pytest
import torch

from rnnkit.layers import Dense, Dropout, Embedding, LSTM, Masking, TimeDistributed


def test_dense_matches_nn_linear_with_copied_weights():
    dense = Dense(3, activation="tanh")
    x = torch.randn(4, 5)
    y = dense(x)
    linear = torch.nn.Linear(5, 3)
    linear.load_state_dict({"weight": dense.W, "bias": dense.b})
    torch.testing.assert_close(y, torch.tanh(linear(x)))


def test_dense_applies_the_same_weights_at_every_time_step():
    dense = Dense(2)
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(dense(x)[:, 1], dense(x[:, 1]))


def test_dense_uses_keras_glorot_uniform_limits():
    dense = Dense(300)
    dense(torch.zeros(1, 200))
    limit = (6 / (200 + 300)) ** 0.5
    assert dense.W.abs().max() <= limit and dense.W.abs().max() > 0.9 * limit


def test_embedding_with_mask_zero_marks_padding():
    emb = Embedding(10, 4, mask_zero=True)
    ids = torch.tensor([[0, 0, 3, 4], [5, 6, 0, 0]])
    assert emb(ids).shape == (2, 4, 4)
    assert emb.compute_mask(ids, None).tolist() == [[False, False, True, True],
                                                    [True, True, False, False]]


def test_embedding_rejects_ids_out_of_range_and_fractions():
    emb = Embedding(10, 4)
    with pytest.raises(ValueError, match=r"ids in \[0, 10\), got values in \[-1, 3\]"):
        emb(torch.tensor([[-1, 3]]))
    with pytest.raises(ValueError, match="integer token ids"):
        emb(torch.tensor([[0.5, 1.0]]))


def test_masking_marks_steps_whose_features_all_equal_the_mask_value():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    assert Masking().compute_mask(x, None).tolist() == [[True, False, True]]


def test_masking_before_an_lstm_skips_the_padded_steps():
    x = torch.randn(1, 3, 2)
    padded = torch.cat([torch.zeros(1, 2, 2), x], dim=1)
    lstm, masking = LSTM(4), Masking()
    lstm.maybe_build((None, None, 2))
    out = lstm(masking(padded), mask=masking.compute_mask(padded, None))
    torch.testing.assert_close(out, lstm(x))


def test_dropout_is_identity_in_eval_and_scales_in_training():
    drop = Dropout(0.5)
    x = torch.ones(1000)
    drop.eval()
    assert torch.equal(drop(x), x)
    drop.train()
    y = drop(x)
    assert set(y.unique().tolist()) <= {0.0, 2.0} and 400 < int((y == 0).sum()) < 600


def test_time_distributed_dense_gives_one_output_per_step():
    td = TimeDistributed(Dense(3))
    assert td(torch.randn(2, 7, 5)).shape == (2, 7, 3)


@pytest.mark.parametrize("make,match", [
    (lambda: Dense(0), "units must be a positive integer"),
    (lambda: Dense(2, activation="nope"), "Unknown activation 'nope'"),
    (lambda: Embedding(0, 3), "input_dim must be a positive integer"),
    (lambda: Dropout(1.0), r"rate must be in \[0, 1\)"),
    (lambda: TimeDistributed("Dense"), "wraps an rnnkit layer"),
])
def test_bad_layer_arguments_are_rejected_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
