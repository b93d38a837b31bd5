"""The one chooser: for each configuration Keras accepts, the path a call takes and the reason.

choose() computes nothing: each test builds a layer, asks it, and reads (name, reason).
"""
import pytest
import torch

from rnnkit.kernels import build, choose, use_path
from rnnkit.kernels.rnn import fused_available
from rnnkit.mixed_precision import bfloat16_supported
from rnnkit.layers import GRU, LSTM, Bidirectional, ConvLSTM1D, MinGRU, SimpleRNN

B, T, D = 4, 6, 3


@pytest.fixture(autouse=True)
def kernels():
    ok, reason = fused_available()
    if not ok:
        pytest.skip(reason)


def path_of(layer, x=None, mask=None, training=True, grad=True):
    x = torch.zeros(B, T, D) if x is None else x
    layer.maybe_build((None, None, x.shape[-1]))
    with torch.set_grad_enabled(grad):
        return choose(layer, x, mask, training)


def post_padded():
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[1, 3:] = False
    return mask


def with_gaps():
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[0, 2] = False
    return mask


@pytest.mark.parametrize("layer", [SimpleRNN(8), GRU(8), LSTM(8), LSTM(128, use_bias=False)],
                         ids=["SimpleRNN", "GRU", "narrow LSTM", "LSTM long"])
def test_training_without_padding_takes_rnnkits_kernel_where_it_pays(layer):
    x = torch.zeros(B, 600 if layer.units == 128 else T, D)
    name, reason = path_of(layer, x)
    assert name == "rnnkit" and "for training" in reason


def test_a_wide_lstm_on_short_sequences_trains_on_pytorchs_kernel_and_says_why():
    name, reason = path_of(LSTM(64), torch.zeros(2, 50, 3))
    assert name == "torch" and "faster than rnnkit's kernel at this size" in reason


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_recurrent_dropout_in_training_takes_rnnkits_kernel_with_the_true_reason(cls):
    name, reason = path_of(cls(128, dropout=0.2, recurrent_dropout=0.2))
    assert name == "rnnkit"
    assert reason.endswith("PyTorch's RNN kernels have no recurrent dropout")
    assert "every step" not in reason                       # one mask for the whole sequence


def test_recurrent_dropout_is_off_in_inference_so_pytorchs_kernel_runs():
    assert path_of(LSTM(128, recurrent_dropout=0.2), training=False, grad=False).name == "torch"


def test_gru_reset_after_false_takes_rnnkits_kernel_in_training_and_inference():
    for grad in (True, False):
        name, reason = path_of(GRU(8, reset_after=False), grad=grad)
        assert name == "rnnkit" and "reset_after=False" in reason


def test_simple_rnn_relu_trains_and_infers_on_rnnkits_kernel():
    assert path_of(SimpleRNN(8, activation="relu")).name == "rnnkit"
    name, reason = path_of(SimpleRNN(8, activation="relu"), training=False, grad=False)
    assert name == "rnnkit" and "for inference" in reason


@pytest.mark.parametrize("layer", [LSTM(8, recurrent_activation="hard_sigmoid"),
                                   GRU(8, activation="relu")], ids=["hard_sigmoid", "relu"])
def test_activations_pytorch_lacks_take_rnnkits_kernel_and_say_what_pytorchs_has(layer):
    name, reason = path_of(layer, training=False, grad=False)
    assert name == "rnnkit"
    assert f"PyTorch's {type(layer).__name__} kernel has activation tanh and sigmoid gates" \
        in reason


def test_an_activation_neither_kernel_has_falls_back_to_the_loop_and_says_both():
    name, reason = path_of(LSTM(8, recurrent_activation="tanh"))
    assert name == "loop"
    assert "PyTorch's LSTM kernel has activation tanh and sigmoid gates" in reason
    assert "rnnkit's kernel has activation tanh or relu and sigmoid or hard_sigmoid gates " \
           "only, not activation 'tanh' / recurrent_activation 'tanh'" in reason


def test_padding_in_training_takes_rnnkits_kernel_and_in_inference_pytorchs_packed():
    name, reason = path_of(LSTM(128), mask=post_padded())
    assert name == "rnnkit" and "padded batch" in reason
    name, reason = path_of(LSTM(128), mask=post_padded(), training=False, grad=False)
    assert name == "torch" and "packed" in reason


def test_a_mask_with_gaps_takes_rnnkits_kernel_which_carries_the_state():
    name, reason = path_of(GRU(8), mask=with_gaps(), grad=False)
    assert name == "rnnkit" and "gaps" in reason


def test_a_mask_of_all_true_is_no_padding():
    assert path_of(SimpleRNN(8), mask=torch.ones(B, T, dtype=torch.bool)).name == "rnnkit"


def test_inference_of_simple_rnn_and_gru_takes_rnnkits_kernel_at_any_batch_size():
    for layer in (SimpleRNN(8), GRU(8)):
        for batch in (1, 2048):
            name, reason = path_of(layer, torch.zeros(batch, T, D), training=False, grad=False)
            assert name == "rnnkit" and "for inference" in reason


def test_lstm_inference_takes_rnnkits_kernel_on_one_short_sample_and_pytorchs_otherwise():
    name, reason = path_of(LSTM(8), torch.zeros(1, T, D), training=False, grad=False)
    assert name == "rnnkit" and "one short sample" in reason
    name, reason = path_of(LSTM(8), torch.zeros(2, T, D), training=False, grad=False)
    assert name == "torch" and reason.startswith("PyTorch's") and "oneDNN" in reason
    long = torch.zeros(1, 64, D)
    assert path_of(LSTM(64), long, training=False, grad=False).name == "torch"
    assert path_of(LSTM(32), long, training=False, grad=False).name == "rnnkit"


def test_bfloat16_takes_pytorchs_kernel_and_says_rnnkits_runs_bfloat16_for_gru_only():
    name, reason = path_of(SimpleRNN(8), torch.zeros(B, T, D, dtype=torch.bfloat16))
    assert name == "torch" and "bfloat16 for GRU (reset_after=True) only" in reason


def test_a_bfloat16_gru_trains_on_rnnkits_bfloat16_kernel_where_the_cpu_has_it():
    name, reason = path_of(GRU(8), torch.zeros(B, T, D, dtype=torch.bfloat16))
    if bfloat16_supported():
        assert name == "rnnkit" and "mixed bfloat16" in reason
    else:
        assert name == "torch" and "CPUs with bfloat16 instructions" in reason


def test_bfloat16_with_recurrent_dropout_has_no_compiled_kernel_and_says_both_reasons():
    x = torch.zeros(B, T, D, dtype=torch.bfloat16)
    name, reason = path_of(LSTM(8, recurrent_dropout=0.1), x)
    assert name == "loop"
    assert "no recurrent dropout" in reason and "float32/float64" in reason


def test_without_a_build_every_path_but_rnnkits_remains_and_the_reason_says_why(monkeypatch):
    monkeypatch.setattr(build, "_result", (False, "no compiler (test)"))
    assert path_of(SimpleRNN(8)).name == "torch"
    name, reason = path_of(GRU(8, reset_after=False))
    assert name == "loop" and "no compiler (test)" in reason


def test_min_layers_take_the_scan_and_cells_without_a_kernel_take_the_loop():
    assert path_of(MinGRU(8)).name == "scan"
    conv = ConvLSTM1D(2, 3)
    conv(torch.zeros(2, 3, 5, 1))                        # (B, T, steps, channels)
    assert conv.last_path == "loop" and "ConvLSTM has no compiled kernel" in conv.path_reason


def test_use_path_forces_the_loop_and_names_itself_in_the_reason():
    with use_path("loop"):
        name, reason = path_of(GRU(8))
    assert name == "loop" and "use_path('loop')" in reason


def test_use_path_can_force_each_compiled_kernel_where_it_applies():
    with use_path("torch"):
        assert path_of(SimpleRNN(8)).name == "torch"
    with use_path("rnnkit"):
        assert path_of(LSTM(64), torch.zeros(2, 50, 3)).name == "rnnkit"


def test_a_forced_path_that_cannot_run_raises_with_the_reason():
    with use_path("torch"), pytest.raises(RuntimeError, match="asked for the 'torch' path.*"
                                                             "no recurrent dropout"):
        path_of(LSTM(8, recurrent_dropout=0.5))
    with pytest.raises(ValueError, match="use_path takes one of"):
        with use_path("fused"):
            pass


def test_use_path_ends_with_its_block_and_implementation_loop_is_a_forced_loop():
    with use_path("loop"):
        pass
    assert path_of(GRU(8)).name == "rnnkit"
    name, reason = path_of(GRU(8, implementation="loop"))
    assert name == "loop" and "implementation='loop'" in reason


def test_bidirectional_reports_both_directions():
    bi = Bidirectional(LSTM(4, return_sequences=True))
    bi(torch.zeros(2, 5, 3))
    assert bi.last_path == "rnnkit"
    bi.backward_layer.implementation = "loop"
    bi(torch.zeros(2, 5, 3))
    assert bi.last_path == "rnnkit / loop"
    assert bi.path_reason.startswith("forward: rnnkit's C++ LSTM kernel") \
        and "backward: implementation='loop'" in bi.path_reason
