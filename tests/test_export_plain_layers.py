"""ONNX export of models with the plain layers: the file runs in ONNX Runtime, agrees with
torch at another batch size, and (causal convolutions) at another sequence length."""
import pytest
import torch

from rnnkit.export import check_onnx, export_onnx
from rnnkit.layers import (LSTM, AveragePooling1D, BatchNormalization, Conv1D, Conv1DTranspose,
                           Conv2D, Dense, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D,
                           Input, LayerNormalization, MaxPooling1D, MaxPooling2D, RepeatVector,
                           TimeDistributed)
from rnnkit.models import Sequential

pytest.importorskip("onnxruntime")


def test_conv_norm_pool_lstm_model_exports_and_runs_at_new_batch_and_length(tmp_path):
    model = Sequential([Input(shape=(None, 2)), Conv1D(4, 3, padding="causal", activation="relu"),
                        BatchNormalization(), LayerNormalization(), LSTM(4), Dense(1)])
    path = export_onnx(model, tmp_path / "c.onnx", example=torch.randn(2, 16, 2))
    assert check_onnx(model, path, torch.randn(5, 16, 2)) < 1e-4
    assert check_onnx(model, path, torch.randn(3, 9, 2)) < 1e-4


def test_same_padded_strided_layers_export_at_their_declared_length(tmp_path):
    model = Sequential([Input(shape=(16, 2)), Conv1D(4, 4, strides=2, padding="same"),
                        Conv1DTranspose(3, 7, strides=2, padding="same"),
                        AveragePooling1D(3, strides=1, padding="same"), MaxPooling1D(2),
                        GlobalAveragePooling1D(), RepeatVector(2), Flatten(), Dense(1)])
    path = export_onnx(model, tmp_path / "s.onnx")
    assert check_onnx(model, path, torch.randn(4, 16, 2)) < 1e-4


def test_a_time_distributed_conv2d_model_exports(tmp_path):
    model = Sequential([Input(shape=(3, 6, 6, 1)), TimeDistributed(Conv2D(2, 3, padding="same")),
                        TimeDistributed(MaxPooling2D()), TimeDistributed(Flatten()),
                        LSTM(4, return_sequences=True), GlobalMaxPooling1D(), Dense(1)])
    path = export_onnx(model, tmp_path / "f.onnx")
    assert check_onnx(model, path, torch.randn(4, 3, 6, 6, 1)) < 1e-4
