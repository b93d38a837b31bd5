"""Inference on more rows than dispatch.INFERENCE_ROWS runs in chunks of rows: the outputs,
the final states and the path are those of one call on all rows."""
import numpy as np
import pytest
import torch

from rnnkit.kernels import dispatch, use_path
from rnnkit.kernels.rnn import fused_available
from rnnkit.layers import GRU, LSTM, Dense, Input, SimpleRNN
from rnnkit.models import Sequential


@pytest.fixture(autouse=True)
def kernels():
    ok, reason = fused_available()
    if not ok:
        pytest.skip(reason)


def call(layer, x, rows, path, mask=None):
    before, dispatch.INFERENCE_ROWS = dispatch.INFERENCE_ROWS, rows
    try:
        with torch.no_grad(), use_path(path):
            out = layer(x, mask=mask)
            return out, layer.last_path
    finally:
        dispatch.INFERENCE_ROWS = before


def padded(B, T):
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[::3, T // 2:] = False                              # post-padding in every third row
    return mask


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("path", ["torch", "rnnkit"])
@pytest.mark.parametrize("sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_a_batch_in_chunks_of_rows_equals_the_batch_in_one_call(cls, path, sequences, masked):
    torch.manual_seed(0)
    layer = cls(6, return_sequences=sequences, return_state=True).eval()
    x = torch.randn(11, 5, 3)
    mask = padded(11, 5) if masked else None
    (y1, *s1), p1 = call(layer, x, 1000, path, mask)
    (y4, *s4), p4 = call(layer, x, 4, path, mask)            # chunks of 4, 4 and 3 rows
    assert p1 == p4 == path
    torch.testing.assert_close(y4, y1, rtol=1e-6, atol=1e-6)
    for a, b in zip(s4, s1, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_training_with_gradients_is_never_split():
    torch.manual_seed(0)
    layer = LSTM(4)
    x = torch.randn(9, 5, 3, requires_grad=True)
    before, dispatch.INFERENCE_ROWS = dispatch.INFERENCE_ROWS, 2
    try:
        split = []
        original = dispatch._in_chunks
        dispatch._in_chunks = lambda *a: split.append(1) or original(*a)
        layer(x).sum().backward()
    finally:
        dispatch.INFERENCE_ROWS, dispatch._in_chunks = before, original
    assert not split and x.grad.shape == x.shape


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_predict_on_more_rows_than_a_chunk_equals_predict_row_by_row(cls):
    torch.manual_seed(0)
    model = Sequential([Input((5, 3)), cls(6), Dense(2)])
    x = np.random.default_rng(0).normal(size=(10, 5, 3)).astype("float32")
    rows = np.concatenate([model.predict(x[i:i + 1], verbose=0) for i in range(10)])
    before, dispatch.INFERENCE_ROWS = dispatch.INFERENCE_ROWS, 4
    try:
        general = model.predict(x, verbose=0)
        model.predict(x, verbose=0)                          # the second makes the plan
        planned = model.predict(x, verbose=0)                # which binds chunks too
    finally:
        dispatch.INFERENCE_ROWS = before
    np.testing.assert_allclose(general, rows, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(planned, rows, rtol=1e-5, atol=1e-6)
