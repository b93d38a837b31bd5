"""An Embedding before a recurrent layer on rnnkit's kernel runs as one product, (E W_x^T)[ids]:
the same outputs and gradients as the readable loop on the looked-up vectors."""
import pytest
import torch

from rnnkit import kernels
from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input, SimpleRNN
from rnnkit.models import Sequential

pytestmark = pytest.mark.skipif(not kernels.rnn.fused_available()[0],
                                reason="rnnkit's C++ kernels are not built here")

CASES = [(SimpleRNN, {}), (GRU, {}), (GRU, {"reset_after": False}), (LSTM, {}),
         (GRU, {"go_backwards": True, "return_sequences": True}),
         (SimpleRNN, {"activation": "relu", "recurrent_dropout": 0.3})]


def model(cls, kwargs, vocab=20, mask_zero=False):
    torch.manual_seed(0)
    return Sequential([Input(shape=(12,)), Embedding(vocab, 6, mask_zero=mask_zero),
                       cls(5, **kwargs), Dense(1)])


def ids(vocab=20):
    x = torch.randint(1, vocab, (8, 12))
    x[:3, :4] = 0                                           # pre-padding in three rows
    return x


def outputs_and_gradients(m, x):
    torch.manual_seed(1)                                    # the same recurrent dropout mask
    y = m(x)
    return y, torch.autograd.grad(y.sum(), list(m.parameters()))


def assert_folded_and_equal_to_the_loop(m, recurrent):
    """The call folds the Embedding into `recurrent`; outputs and every parameter's gradient
    equal those of the readable loop on the looked-up vectors."""
    x = ids()
    y, grads = outputs_and_gradients(m, x)
    assert recurrent.last_path == "rnnkit" and "folded" in recurrent.path_reason
    with kernels.use_path("loop"):
        y_loop, grads_loop = outputs_and_gradients(m, x)
    torch.testing.assert_close(y, y_loop, atol=1e-5, rtol=1e-5)
    for g, g_loop in zip(grads, grads_loop, strict=True):
        torch.testing.assert_close(g, g_loop, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("cls, kwargs", CASES)
@pytest.mark.parametrize("mask_zero", [False, True])
def test_the_folded_call_matches_the_loop_in_outputs_and_every_gradient(cls, kwargs, mask_zero):
    m = model(cls, kwargs, mask_zero=mask_zero).train()
    assert_folded_and_equal_to_the_loop(m, m.layers[1])


def test_a_table_larger_than_the_batch_is_looked_up_as_before():
    m = model(GRU, {}, vocab=500).train()                  # 500 rows > 8 x 12 tokens
    m(ids())
    assert m.layers[1].last_path == "rnnkit" and "folded" not in m.layers[1].path_reason


def test_input_dropout_in_training_keeps_the_plain_lookup_and_inference_folds():
    m = model(GRU, {"dropout": 0.2}).train()
    m(ids())
    assert "folded" not in m.layers[1].path_reason
    m.eval()                                   # no dropout in inference: rnnkit's kernel folds
    x = ids()
    with torch.no_grad():
        y = m(x)
        assert m.layers[1].last_path == "rnnkit" and "folded" in m.layers[1].path_reason
        with kernels.use_path("loop"):
            torch.testing.assert_close(y, m(x), atol=1e-5, rtol=1e-5)


def test_ids_out_of_range_are_refused_on_the_folded_path_too():
    m = model(GRU, {}).train()
    with pytest.raises(ValueError, match=r"expects ids in \[0, 20\), got values in \[0, 25\]"):
        m(torch.full((8, 12), 25).index_fill_(1, torch.tensor([0]), 0))


def test_fit_with_the_fold_ends_where_the_loop_ends():
    x, y = ids(), torch.rand(8, 1)
    ends = []
    for path in ("auto", "loop"):
        m = model(SimpleRNN, {})
        m.compile(optimizer="sgd", loss="mse")
        with kernels.use_path(path):
            m.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
        ends.append(torch.cat([p.detach().flatten() for p in m.parameters()]))
    torch.testing.assert_close(ends[0], ends[1], atol=1e-5, rtol=1e-4)


def functional(shared=False):
    from rnnkit.layers import Concatenate, GlobalAveragePooling1D
    from rnnkit.models import Model
    torch.manual_seed(0)
    inp = Input(shape=(12,))
    vectors = Embedding(20, 6, mask_zero=True)(inp)
    h = GRU(5, return_sequences=shared)(vectors)
    if shared:                          # the embedded vectors are read twice: no fold
        h = GlobalAveragePooling1D()(Concatenate()([h, vectors]))
    return Model(inp, Dense(1)(h))


def test_a_functional_embedding_read_only_by_its_recurrent_layer_folds_and_matches_the_loop():
    m = functional().train()
    assert_folded_and_equal_to_the_loop(m, m.layers[2])


def test_a_functional_embedding_read_twice_is_looked_up_once_for_both_readers():
    m = functional(shared=True).train()
    m(ids())
    gru = next(layer for layer in m.layers if isinstance(layer, GRU))
    assert gru.last_path == "rnnkit" and "folded" not in gru.path_reason
