"""ONNX export: the file runs in ONNX Runtime and agrees with torch at other batch/time sizes."""
import pytest
import torch

from rnnkit.export import check_onnx, export_onnx
from rnnkit.layers import (GRU, LSTM, Bidirectional, Dense, Embedding, Input, MinGRU, MinLSTM,
                           SimpleRNN)
from rnnkit.models import Sequential

pytest.importorskip("onnxruntime")


def test_text_model_exports_and_runs_at_new_batch_and_sequence_lengths(tmp_path):
    model = Sequential([Embedding(50, 8), Bidirectional(LSTM(6, return_sequences=True)),
                        GRU(5), Dense(3, activation="softmax")])
    export_onnx(model, tmp_path / "m.onnx", example=torch.randint(0, 50, (2, 7)))
    assert check_onnx(model, tmp_path / "m.onnx", torch.randint(0, 50, (5, 13))) < 1e-4


def test_series_model_exports_from_its_declared_input_shape(tmp_path):
    model = Sequential([Input(shape=(12, 1)), SimpleRNN(4), Dense(1)])
    path = export_onnx(model, tmp_path / "s.onnx")
    assert check_onnx(model, path, torch.randn(3, 12, 1)) < 1e-4


def test_a_model_without_known_input_needs_an_example(tmp_path):
    with pytest.raises(ValueError, match="pass example="):
        export_onnx(Sequential([LSTM(3), Dense(1)]), tmp_path / "x.onnx")


@pytest.mark.parametrize("layer", [MinGRU(6), MinLSTM(6, return_sequences=True)])
def test_min_rnn_models_export_their_unrolled_loop_for_any_batch_at_the_example_length(
        tmp_path, layer):
    model = Sequential([Input(shape=(9, 3)), layer, Dense(2)])
    path = export_onnx(model, tmp_path / "m.onnx", example=torch.randn(1, 9, 3))
    assert check_onnx(model, path, torch.randn(4, 9, 3)) < 1e-4


def test_a_layer_on_its_readable_loop_exports_with_the_time_axis_fixed(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = Sequential([Input(shape=(6, 2)), GRU(4, reset_after=False), Dense(1)])
    path = export_onnx(model, tmp_path / "g.onnx", example=torch.randn(1, 6, 2))
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 6      # time fixed at 6
    assert check_onnx(model, path, torch.randn(3, 6, 2)) < 1e-4


def test_fused_layers_keep_the_time_axis_free(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = Sequential([Input(shape=(6, 2)), GRU(4), Dense(1)])
    path = export_onnx(model, tmp_path / "g.onnx", example=torch.randn(1, 6, 2))
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert dims[1].dim_param == "time"


@pytest.mark.parametrize("recurrent", [LSTM(5), Bidirectional(GRU(4))])
def test_a_mask_zero_model_exported_from_unpadded_ids_matches_torch_on_padded_ids(tmp_path,
                                                                                  recurrent):
    ort = pytest.importorskip("onnxruntime")
    model = Sequential([Embedding(20, 4, mask_zero=True), recurrent, Dense(1)])
    with torch.no_grad():
        model.layers[0].embeddings.normal_(0, 3.0)    # padding steps move the output clearly
    path = export_onnx(model, tmp_path / "m.onnx", example=torch.tensor([[1, 2, 3, 5, 6, 7]]))
    padded = torch.tensor([[0, 0, 0, 5, 6, 7], [1, 2, 3, 4, 5, 6]])
    got = ort.InferenceSession(str(path)).run(None, {"x": padded.numpy()})[0]
    with torch.no_grad():
        want = model(padded)
    torch.testing.assert_close(torch.from_numpy(got), want, rtol=0, atol=1e-5)
    unmasked = model(torch.tensor([[1, 1, 1, 5, 6, 7]]))[0]       # ids 1 instead of padding
    assert (want[0] - unmasked).abs().max() > 1e-2


def test_check_onnx_catches_a_file_that_ignores_padding(tmp_path):
    from rnnkit import export
    model = Sequential([Embedding(20, 4, mask_zero=True), LSTM(5), Dense(1)]).eval()
    with torch.no_grad():
        model.layers[0].embeddings.normal_(0, 3.0)    # padding steps move the output clearly
    x = torch.tensor([[1, 2, 3, 5, 6, 7]])
    export._export(model, x, tmp_path / "m.onnx", {0: "batch"}, 17)   # the fast path's trace
    with pytest.raises(RuntimeError, match="on x with padding"):
        check_onnx(model, tmp_path / "m.onnx", x)
