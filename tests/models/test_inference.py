"""predict's plan: made at the second general call on a signature, run on the next calls, and
never run once the model has changed in a way that would change its outputs."""
import numpy as np
import pytest
import torch
from torch import nn

from rnnkit import kernels, mixed_precision
from rnnkit.layers import GRU, LSTM, BatchNormalization, Dense, Dropout, Input, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.models.inference import Plan


def _model(recurrent=LSTM):
    torch.manual_seed(0)
    return Sequential([Input((7, 3)), recurrent(5), Dropout(0.5),
                       Dense(4, activation="softmax")])


def _x(n=1, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 7, 3)).astype("float32")


def general(model, x):
    """What predict computes without a plan: the Sequential's forward in eval mode."""
    model.eval()
    with torch.no_grad(), mixed_precision.model_scope(model):
        return model.forward_with_mask(torch.from_numpy(x).to(model.dtype))[0].float().numpy()


def planned(model) -> list:
    return [p for p in model.__dict__.get("_inference_plans", {}).values()
            if isinstance(p, Plan)]


@pytest.mark.parametrize("recurrent", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("n", [1, 3])
def test_the_third_predict_runs_a_plan_that_equals_the_general_path(recurrent, n):
    model, x = _model(recurrent), _x(n)
    first = model.predict(x, verbose=0)                  # the general path, seen once
    assert not planned(model)
    model.predict(x, verbose=0)                          # the general path, then the plan
    assert len(planned(model)) == 1
    np.testing.assert_allclose(model.predict(x, verbose=0), first, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(first, general(model, x), rtol=1e-6, atol=1e-7)
    assert model.layers[0].last_path in ("rnnkit", "torch")


def test_shapes_seen_once_make_no_plan():
    model = _model()
    for steps in range(2, 30):
        model.predict(np.zeros((1, steps, 3), dtype="float32"), verbose=0)
    assert not planned(model) and len(model._inference_plans) <= 16


def test_the_plan_sets_the_recurrent_layers_path_as_the_general_call_does():
    model, x = _model(), _x()
    twice(model, x)
    reason = model.layers[0].path_reason
    model.layers[0].last_path = model.layers[0].path_reason = None
    model.predict(x, verbose=0)
    assert (model.layers[0].last_path, model.layers[0].path_reason) == ("rnnkit", reason)


def test_model_called_on_an_array_runs_the_plan_without_dropout_in_any_mode():
    model, x = _model(), _x(2)
    model.train()
    first, _ = model(x), model(x)
    assert len(planned(model)) == 1
    torch.testing.assert_close(model(x), first)              # dropout off both times
    assert model.training and not first.requires_grad
    np.testing.assert_allclose(first.numpy(), general(model, x), rtol=1e-6, atol=1e-7)


# -- what invalidates a plan ------------------------------------------------------------------

def twice(model, x):
    """Predict twice (the general path, then a plan is made) and once more on the plan."""
    model.predict(x, verbose=0)
    model.predict(x, verbose=0)
    assert planned(model)
    return model.predict(x, verbose=0)


def test_weights_set_after_the_plan_are_the_weights_it_runs():
    model, x = _model(), _x()
    before = twice(model, x)
    model.set_weights([w * 1.5 for w in model.get_weights()])
    after = model.predict(x, verbose=0)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, general(model, x), rtol=1e-6, atol=1e-7)


def test_a_weight_replaced_by_a_new_tensor_is_read_by_a_new_plan():
    model, x = _model(), _x()
    before = twice(model, x)
    cell = model.layers[0].cell
    cell.W_h = nn.Parameter(cell.W_h.detach() * -1.0)
    after = model.predict(x, verbose=0)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, general(model, x), rtol=1e-6, atol=1e-7)


def test_a_layer_added_or_popped_after_the_plan_changes_the_output():
    model, x = _model(), _x()
    assert twice(model, x).shape == (1, 4)
    model.add(Dense(2))
    assert twice(model, x).shape == (1, 2)
    model.pop()
    np.testing.assert_allclose(model.predict(x, verbose=0), general(model, x), rtol=1e-6)
    assert model.predict(x, verbose=0).shape == (1, 4)


def test_freezing_a_layer_leaves_predict_equal_to_the_general_path():
    model, x = _model(), _x()
    before = twice(model, x)
    model.layers[0].trainable = False
    model.layers[0].requires_grad_(False)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    np.testing.assert_allclose(before, general(model, x), rtol=1e-6, atol=1e-7)


def test_a_mixed_precision_policy_set_after_the_plan_runs_the_general_path():
    model, x = _model(), _x()
    twice(model, x)
    model.dtype_policy = mixed_precision.Policy("mixed_bfloat16")
    assert not planned(model)[0].holds(model)
    mixed = model.predict(x, verbose=0)
    np.testing.assert_allclose(mixed, general(model, x), rtol=1e-6, atol=1e-7)


def test_a_layer_policy_set_after_the_plan_runs_the_general_path():
    model, x = _model(), _x()
    twice(model, x)
    model.layers[0]._apply_common_args(dtype="mixed_bfloat16")
    assert not planned(model)[0].holds(model)


def test_a_model_moved_to_float64_after_the_plan_predicts_in_float64():
    model, x = _model(), _x()
    first = twice(model, x)
    model.double()
    again = model.predict(x, verbose=0)
    assert again.dtype == np.float64
    np.testing.assert_allclose(again, first, rtol=1e-5)


def test_a_forward_hook_added_after_the_plan_sees_every_call():
    model, x = _model(), _x()
    twice(model, x)
    seen = []
    handle = model.layers[2].register_forward_hook(lambda m, i, o: seen.append(o.shape))
    model.predict(x, verbose=0)
    handle.remove()
    assert seen == [torch.Size([1, 4])]


def test_use_path_and_implementation_set_after_the_plan_are_obeyed():
    model, x = _model(), _x()
    twice(model, x)
    with kernels.use_path("loop"):
        model.predict(x, verbose=0)
    assert model.layers[0].last_path == "loop"
    model.layers[0].implementation = "loop"
    model.predict(x, verbose=0)
    assert model.layers[0].last_path == "loop"


def test_a_stateful_flag_set_after_the_plan_carries_the_state():
    model, x = _model(), _x()
    first = twice(model, x)
    model.layers[0].stateful = True
    model.predict(x, verbose=0)
    assert model.layers[0].states is not None
    assert not np.allclose(model.predict(x, verbose=0), first)   # from the carried state


# -- the checks stay ----------------------------------------------------------------------------

def test_nan_after_the_plan_is_still_refused_with_its_place():
    model, x = _model(), _x()
    twice(model, x)
    x[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value.*\(0, 2, 1\)"):
        model.predict(x, verbose=0)


def test_a_wrong_feature_count_after_the_plan_is_still_refused():
    model = _model()
    twice(model, _x())
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, time, 3\)"):
        model.predict(np.zeros((1, 7, 4), dtype="float32"), verbose=0)


def test_a_model_with_a_layer_the_plan_does_not_know_keeps_the_general_path():
    torch.manual_seed(0)
    model = Sequential([Input((7, 3)), LSTM(5), BatchNormalization(), Dense(2)])
    x = _x(2)
    for _ in range(3):
        first = model.predict(x, verbose=0)
    assert not planned(model)
    np.testing.assert_allclose(first, general(model, x), rtol=1e-6, atol=1e-7)


# -- an Embedding first -------------------------------------------------------------------------

def _embedding_model(recurrent=GRU, vocab=20):
    from rnnkit.layers import Embedding
    torch.manual_seed(0)
    return Sequential([Input((12,), dtype="int64"), Embedding(vocab, 6), recurrent(5),
                       Dense(3, activation="softmax")])


@pytest.mark.parametrize("n, folded", [(1, False), (4, True)])      # 20 ids < 4 x 12 tokens
def test_an_embedding_first_is_planned_and_folds_where_the_general_path_folds(n, folded):
    model = _embedding_model()
    ids = np.random.default_rng(0).integers(0, 20, size=(n, 12))
    first = model.predict(ids, verbose=0)
    reason = model.layers[1].path_reason
    assert ("folded" in reason) == folded
    model.predict(ids, verbose=0)
    model.layers[1].path_reason = None
    np.testing.assert_allclose(model.predict(ids, verbose=0), first, rtol=1e-5, atol=1e-6)
    assert len(planned(model)) == 1 and model.layers[1].path_reason == reason
    with kernels.use_path("loop"):
        np.testing.assert_allclose(model.predict(ids, verbose=0), first, rtol=1e-5, atol=1e-6)


def test_ids_out_of_range_after_the_plan_are_still_refused():
    model = _embedding_model()
    ids = np.ones((1, 12), dtype="int64")
    twice(model, ids)
    ids[0, 3] = 25
    with pytest.raises(ValueError, match=r"expects ids in \[0, 20\), got values in \[1, 25\]"):
        model.predict(ids, verbose=0)


def test_mask_zero_set_after_the_plan_masks_the_padding():
    model = _embedding_model(LSTM)
    ids = np.array([[0, 0, 0, 0, 3, 4, 5, 6, 7, 8, 9, 1]])
    before = twice(model, ids)
    model.layers[0].mask_zero = True
    masked = model.predict(ids, verbose=0)
    assert not np.allclose(masked, before)
    np.testing.assert_allclose(masked, model.predict(ids[:, 4:], verbose=0), rtol=1e-5,
                               atol=1e-6)


# -- functional models --------------------------------------------------------------------------

def _functional(skip=False):
    from rnnkit.layers import Concatenate
    from rnnkit.models import Model
    torch.manual_seed(0)
    inp = Input((7, 3))
    h = LSTM(5, return_sequences=skip)(inp)
    if skip:                                   # the input is read twice: not a chain
        h = LSTM(4)(Concatenate()([h, inp]))
    return Model(inp, Dense(2, activation="softmax")(Dropout(0.3)(h)))


def test_a_functional_chain_is_planned_and_equals_its_graph():
    model, x = _functional(), _x(2)
    first = twice(model, x)
    model.eval()
    with torch.no_grad():
        graph = model._run([torch.from_numpy(x)])[0][0].numpy()
    np.testing.assert_allclose(first, graph, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(model(x), model(x))                    # model(x) too


def test_a_functional_graph_that_is_not_a_chain_keeps_the_general_path():
    model, x = _functional(skip=True), _x(2)
    for _ in range(3):
        model.predict(x, verbose=0)
    assert not planned(model)


def test_a_min_gru_keeps_the_general_path():
    from rnnkit.layers import MinGRU
    torch.manual_seed(0)
    model, x = Sequential([Input((7, 3)), MinGRU(5), Dense(2)]), _x(2)
    first = model.predict(x, verbose=0)
    for _ in range(2):
        np.testing.assert_array_equal(model.predict(x, verbose=0), first)
    assert not planned(model)


# -- many rows on two threads -------------------------------------------------------------------

@pytest.fixture
def two_threads_small_chunks(monkeypatch):
    from rnnkit import config
    from rnnkit.kernels import dispatch
    monkeypatch.setattr(dispatch, "INFERENCE_ROWS", 4)
    before = config.get_threads()
    config.set_threads(2)
    yield
    config.set_threads(before)


def test_batches_with_plans_run_on_two_threads_and_equal_one_by_one(two_threads_small_chunks):
    from rnnkit.models import inference
    model, x = _model(GRU), _x(12)
    expected = np.concatenate([general(model, x[i:i + 3]) for i in range(0, 12, 3)])
    calls = []
    original = inference._on_threads
    inference._on_threads = lambda fn, items: calls.append(1) or original(fn, items)
    try:
        runs = [model.predict(x, batch_size=3, verbose=0) for _ in range(3)]
    finally:
        inference._on_threads = original
    assert len(calls) == 2                   # the first call made the plan, one batch at a time
    for got in runs:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert torch.get_num_threads() == 2


def test_one_batch_of_many_rows_is_planned_at_once_and_split_over_two_threads(
        two_threads_small_chunks):
    from rnnkit.models import inference
    model, x = _model(LSTM), _x(10)                       # 10 rows > 4: a plan at once
    first = model.predict(x, verbose=0)
    assert len(planned(model)) == 1
    pieces = []
    original = inference._on_threads
    inference._on_threads = lambda fn, items: pieces.append(len(items)) or original(fn, items)
    try:
        again = model.predict(x, verbose=0)
    finally:
        inference._on_threads = original
    assert pieces == [3]                                   # rows 4 + 4 + 2
    np.testing.assert_allclose(again, first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(first, general(model, x), rtol=1e-5, atol=1e-6)
