"""The functional API: Input, layer calls on symbolic tensors, Model(inputs, outputs)."""
import json
import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, Dense, Embedding, Input, SimpleRNN
from rnnkit.models import Model, Sequential, load_model
from rnnkit.optimizers import Adam
from rnnkit.utils import set_random_seed


def test_input_returns_a_symbolic_tensor_with_the_batch_axis_unknown():
    x = Input(shape=(10, 3), name="series")
    assert x.shape == (None, 10, 3)
    assert x.dtype == torch.float32
    assert Input(batch_shape=(4, 10, 3)).shape == (4, 10, 3)
    assert Input(shape=(5,), dtype="int32").dtype == torch.int32


def test_layer_calls_on_symbolic_tensors_give_keras_output_shapes():
    x = Input(shape=(None, 3))
    seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)
    assert seq.shape == (None, None, 8)
    assert h.shape == (None, 8) and c.shape == (None, 8)
    assert Dense(2)(seq).shape == (None, None, 2)


def test_a_functional_chain_computes_what_the_same_sequential_computes():
    set_random_seed(0)
    seq = Sequential([Input(shape=(6, 2)), GRU(5), Dense(1)])
    x_in = Input(shape=(6, 2))
    func = Model(x_in, Dense(1)(GRU(5)(x_in)))
    func.load_state_dict(dict(zip(func.state_dict(), seq.state_dict().values())))
    x = np.random.default_rng(0).normal(size=(7, 6, 2)).astype("float32")
    np.testing.assert_allclose(func.predict(x), seq.predict(x), atol=1e-6)


def test_masks_flow_through_the_graph_as_in_a_sequential():
    set_random_seed(1)
    seq = Sequential([Input(shape=(None,)), Embedding(20, 4, mask_zero=True), LSTM(3), Dense(1)])
    ids = Input(shape=(None,), dtype="int64")
    func = Model(ids, Dense(1)(LSTM(3)(Embedding(20, 4, mask_zero=True)(ids))))
    func.load_state_dict(dict(zip(func.state_dict(), seq.state_dict().values())))
    x = np.array([[0, 0, 3, 4, 5], [1, 2, 3, 4, 5]])
    np.testing.assert_allclose(func.predict(x), seq.predict(x), atol=1e-6)
    # the padded row gives what its unpadded part gives
    np.testing.assert_allclose(func.predict(x[:1])[0], func.predict(np.array([[3, 4, 5]]))[0],
                               atol=1e-6)


def _encoder_decoder():
    src = Input(shape=(None,), dtype="int64", name="source")
    _, h, c = LSTM(16, return_state=True, name="encoder")(Embedding(30, 8, mask_zero=True)(src))
    tgt = Input(shape=(None,), dtype="int64", name="target")
    dec = LSTM(16, return_sequences=True, name="decoder")(
        Embedding(25, 8, mask_zero=True)(tgt), initial_state=[h, c])
    return Model([src, tgt], Dense(25, activation="softmax", name="next_word")(dec))


def test_the_encoder_decoder_trains_with_fit_and_reloads_to_identical_predictions(tmp_path):
    set_random_seed(2)
    rng = np.random.default_rng(2)
    src = rng.integers(1, 30, size=(64, 7))
    tgt_in = rng.integers(1, 25, size=(64, 6))
    tgt_out = np.repeat(src[:, -1:] % 5 + 1, 6, axis=1)  # known only through the encoder
    model = _encoder_decoder()
    model.compile(optimizer=Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit([src, tgt_in], tgt_out, batch_size=16, epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    model.save(tmp_path / "seq2seq")
    loaded = load_model(tmp_path / "seq2seq")
    np.testing.assert_allclose(loaded.predict([src[:5], tgt_in[:5]]),
                               model.predict([src[:5], tgt_in[:5]]), atol=1e-6)
    assert loaded.input_names == ["source", "target"]


def test_a_two_input_model_takes_a_list_or_a_dict_and_reloads(tmp_path):
    set_random_seed(3)
    series = Input(shape=(8, 1), name="series")
    extra = Input(shape=(2,), name="extra")
    h = GRU(6)(series)
    from rnnkit.layers.ops_layers import BinaryOp  # noqa: F401 (arithmetic on symbolic tensors)
    merged = Dense(6)(extra) + h
    model = Model(inputs=[series, extra], outputs=Dense(1)(merged))
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(3)
    xs, xe = rng.normal(size=(40, 8, 1)).astype("float32"), rng.normal(size=(40, 2))
    y = xs.sum(axis=(1, 2)) + xe[:, 0]
    model.fit({"series": xs, "extra": xe}, y, epochs=2, verbose=0)
    np.testing.assert_allclose(model.predict([xs, xe]),
                               model.predict({"extra": xe, "series": xs}), atol=1e-6)
    model.save(tmp_path / "two")
    np.testing.assert_allclose(load_model(tmp_path / "two").predict([xs, xe]),
                               model.predict([xs, xe]), atol=1e-6)


def test_several_outputs_have_their_own_losses_weights_and_logs():
    set_random_seed(4)
    x = Input(shape=(5, 2))
    h = SimpleRNN(4)(x)
    model = Model(x, [Dense(1, name="level")(h), Dense(3, activation="softmax", name="kind")(h)])
    model.compile(optimizer="adam", loss={"level": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"level": 0.5, "kind": 2.0}, metrics={"kind": ["accuracy"]})
    rng = np.random.default_rng(4)
    xv = rng.normal(size=(30, 5, 2)).astype("float32")
    history = model.fit(xv, [xv.sum(axis=(1, 2)), rng.integers(0, 3, 30)], epochs=1, verbose=0,
                        validation_split=0.2)
    assert set(history.history) == {"loss", "level_loss", "kind_loss", "kind_accuracy",
                                    "val_loss", "val_level_loss", "val_kind_loss",
                                    "val_kind_accuracy"}
    logs = model.evaluate(xv, [xv.sum(axis=(1, 2)), rng.integers(0, 3, 30)], return_dict=True,
                          verbose=0)
    assert logs["loss"] == pytest.approx(0.5 * logs["level_loss"] + 2.0 * logs["kind_loss"],
                                         rel=1e-5)


def test_a_shared_layer_is_one_set_of_weights():
    a, b = Input(shape=(4, 2)), Input(shape=(4, 2))
    shared = LSTM(3)
    model = Model([a, b], Dense(1)(shared(a) - shared(b)))
    assert sum(1 for layer in model.layers if layer is shared) == 1
    x = np.ones((2, 4, 2), dtype="float32")
    np.testing.assert_allclose(model.predict([x, x]), model.predict([x * 0, x * 0]), atol=1e-6)


def test_a_model_is_used_as_a_layer_of_another(tmp_path):
    inner_in = Input(shape=(6, 2))
    encoder = Model(inner_in, GRU(4)(inner_in), name="encoder")
    outer_in = Input(shape=(6, 2))
    model = Model(outer_in, Dense(1)(encoder(outer_in)))
    x = np.random.default_rng(5).normal(size=(3, 6, 2)).astype("float32")
    assert model.predict(x).shape == (3, 1)
    model.save(tmp_path / "nested")
    np.testing.assert_allclose(load_model(tmp_path / "nested").predict(x), model.predict(x),
                               atol=1e-6)


def test_symbolic_slicing_takes_the_last_step():
    x = Input(shape=(5, 3))
    seq = LSTM(4, return_sequences=True)(x)
    last = seq[:, -1, :]
    model = Model(x, [last, LSTM(4)(x)])
    assert last.shape == (None, 4)
    assert model.predict(np.zeros((2, 5, 3), dtype="float32"))[0].shape == (2, 4)


def test_calling_a_model_with_the_wrong_number_of_inputs_says_how_many_it_expects():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    model = Model([a, b], Dense(1)(a + b))
    with pytest.raises(ValueError, match=r"2 inputs \(a, b\), got a list of 3"):
        model.predict([np.zeros((1, 3))] * 3)


def test_an_output_that_depends_on_an_input_not_given_is_a_disconnected_graph():
    a, b = Input(shape=(3,), name="a_in"), Input(shape=(3,), name="b_in")
    with pytest.raises(ValueError, match="disconnected.*'b_in'"):
        Model(a, Dense(1)(a + b))


def test_a_model_input_that_no_output_uses_is_refused():
    a, b = Input(shape=(3,), name="used"), Input(shape=(3,), name="unused")
    with pytest.raises(ValueError, match=r"\['unused'\] are not used"):
        Model([a, b], Dense(1)(a))


def test_an_unknown_layer_in_a_file_is_named_with_the_way_to_load_it(tmp_path):
    x = Input(shape=(3,))
    model = Model(x, Dense(1)(x))
    model.save(tmp_path / "m")
    config_path = tmp_path / "m" / "config.json"
    config = json.loads(config_path.read_text())
    del config["config_sha256"]                       # written by hand, as a user would
    config_path.write_text(json.dumps(config).replace('"Dense"', '"MyDense"'))
    with pytest.raises(ValueError, match="Unknown layer class 'MyDense'.*custom_objects"):
        load_model(tmp_path / "m")


def test_model_input_of_the_wrong_shape_is_a_clear_error():
    x = Input(shape=(4, 2), name="series")
    model = Model(x, LSTM(2)(x))
    with pytest.raises(ValueError, match=r"Input 'series'.*expects shape \(None, 4, 2\)"):
        model.predict(np.zeros((1, 4, 3), dtype="float32"))


def test_a_config_rebuilds_the_graph_without_a_json_round_trip():
    from rnnkit.models import Functional
    x = Input(shape=(4, 2), name="series")
    model = Model(x, Dense(1)(LSTM(3)(x)))
    copy = Functional.from_config(model.get_config())
    copy.load_state_dict(model.state_dict())
    data = np.ones((2, 4, 2), dtype="float32")
    np.testing.assert_allclose(copy.predict(data), model.predict(data), atol=1e-6)


def test_cross_attention_in_a_graph_ignores_the_padded_steps_of_its_value():
    from rnnkit.layers import MultiHeadAttention
    set_random_seed(6)
    q_in = Input(shape=(3, 4))
    v_ids = Input(shape=(None,), dtype="int64")
    value = Embedding(10, 4, mask_zero=True)(v_ids)
    model = Model([q_in, v_ids], MultiHeadAttention(num_heads=2, key_dim=2)(q_in, value))
    q = np.random.default_rng(6).normal(size=(1, 3, 4)).astype("float32")
    padded = model.predict([q, np.array([[0, 0, 5, 6]])])
    unpadded = model.predict([q, np.array([[5, 6]])])
    np.testing.assert_allclose(padded, unpadded, atol=1e-5)
