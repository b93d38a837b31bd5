"""mixed_bfloat16: layers compute in bfloat16, weights, optimizer and loss stay float32."""
import numpy as np
import pytest
import torch

import rnnkit
from rnnkit import mixed_precision
from rnnkit.kernels.rnn import fused_available
from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input
from rnnkit.models import Sequential


@pytest.fixture
def mixed():
    mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    mixed_precision.set_global_policy("float32")


def _char_model(**dense):
    torch.manual_seed(0)
    model = Sequential([Input((12,)), Embedding(9, 8), LSTM(16, return_sequences=True),
                        Dense(9, activation="softmax", **dense)])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _ids():
    ids = np.random.default_rng(0).integers(0, 9, size=(16, 12))
    return ids, np.roll(ids, -1, axis=1)


def test_the_keras_spellings_reach_the_same_policy(mixed):
    import rnnkit.keras.mixed_precision as keras_mp
    assert keras_mp.global_policy().name == "mixed_bfloat16"
    assert rnnkit.config.dtype_policy() == mixed_precision.Policy("mixed_bfloat16")
    assert rnnkit.keras.mixed_precision.global_policy().compute_dtype == "bfloat16"


def test_an_unknown_policy_names_the_ones_there_are():
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        mixed_precision.set_global_policy("mixed_bf16")


def test_layers_created_under_the_policy_compute_in_bfloat16_and_keep_float32_weights(mixed):
    layer = LSTM(4, return_sequences=True)
    y = layer(torch.randn(2, 3, 5))
    assert (layer.compute_dtype, layer.variable_dtype) == ("bfloat16", "float32")
    assert y.dtype == torch.bfloat16
    assert all(p.dtype == torch.float32 for p in layer.parameters())


def test_layers_created_before_the_policy_keep_float32():
    layer = Dense(3)
    mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        assert layer(torch.randn(2, 4)).dtype == torch.float32
    finally:
        mixed_precision.set_global_policy("float32")


def test_a_float32_layer_in_a_mixed_model_gives_float32_outputs(mixed):
    model = _char_model(dtype="float32")
    out = model(torch.as_tensor(_ids()[0]))
    assert out.dtype == torch.float32
    assert model.layers[-1].compute_dtype == "float32"


def test_fit_trains_float32_weights_with_a_float32_optimizer_state(mixed):
    model = _char_model()
    ids, targets = _ids()
    history = model.fit(ids, targets, epochs=3, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    state = [v for s in model.optimizer.state.values() for v in s.values()
             if isinstance(v, torch.Tensor) and v.is_floating_point() and v.dim() > 0]
    assert state and all(v.dtype == torch.float32 for v in state)


def test_a_wide_gru_trains_in_bfloat16_on_rnnkits_kernel_where_the_cpu_has_bfloat16(mixed):
    layer = GRU(256)
    out = layer(torch.randn(2, 3, 5, requires_grad=True))
    assert out.dtype == torch.bfloat16
    own = mixed_precision.bfloat16_supported() and fused_available()[0]
    assert layer.last_path == ("rnnkit" if own else "torch")


def test_a_narrow_gru_trains_on_rnnkits_float32_kernel_which_is_faster_there(mixed):
    layer = GRU(16)
    out = layer(torch.randn(2, 3, 5, requires_grad=True))
    assert out.dtype == torch.float32
    assert layer.last_path == "rnnkit"


def test_a_narrow_gru_predicts_in_bfloat16(mixed):
    layer = GRU(16)
    with torch.no_grad():
        assert layer(torch.randn(2, 3, 5)).dtype == torch.bfloat16


def test_predict_under_the_policy_is_close_to_float32_on_the_same_weights(mixed):
    model = _char_model()
    ids, _ = _ids()
    mixed_out = model.predict(ids, verbose=0)
    mixed_precision.set_global_policy("float32")
    plain = _char_model()
    plain.set_weights(model.get_weights())
    assert mixed_out.dtype == np.float32
    np.testing.assert_allclose(mixed_out, plain.predict(ids, verbose=0), atol=0.03)


def test_loss_scale_optimizer_hands_back_the_optimizer():
    opt = rnnkit.optimizers.Adam()
    assert mixed_precision.LossScaleOptimizer(opt) is opt


def test_a_stateful_layer_carries_its_state_in_float32(mixed):
    layer = LSTM(4, stateful=True)
    out = layer(torch.randn(2, 3, 5))
    assert out.dtype == torch.bfloat16
    assert all(s.dtype == torch.float32 for s in layer._states)
    assert layer(torch.randn(2, 3, 5)).shape == (2, 4)             # the next batch takes it


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_under_the_policy_on_a_gpu_keeps_float32_weights(mixed):
    model = _char_model()
    model.compile("adam", "sparse_categorical_crossentropy", device="cuda")
    ids, targets = _ids()
    model.fit(ids, targets, epochs=1, batch_size=8, verbose=0)
    assert model.layers[1].compute_dtype == "bfloat16"
    assert all(p.dtype == torch.float32 and p.is_cuda for p in model.parameters())
