"""Lambda: a function as a layer; saved as source text, loaded only when the caller opts in."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Concatenate, Dense, Input, Lambda
from rnnkit.layers.lambda_layer import SafeModeScope
from rnnkit.layers.registry import deserialize, serialize
from rnnkit.models import Model, Sequential, load_model


def last_step(x):
    return x[:, -1]


def test_lambda_runs_the_function_on_tensors_and_infers_the_output_shape():
    layer = Lambda(lambda x: x[:, -1] * 2)
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x), x[:, -1] * 2)
    assert layer.compute_output_shape((None, None, 3)) == (None, 3)
    assert layer.compute_output_shape((4, 5, 3)) == (4, 3)


def test_output_shape_given_as_a_shape_or_as_a_function_is_used_as_is():
    assert Lambda(last_step, output_shape=(3,)).compute_output_shape((None, 5, 3)) == (None, 3)
    layer = Lambda(last_step, output_shape=lambda s: (s[0], s[2]))
    assert layer.compute_output_shape((None, 5, 3)) == (None, 3)


def test_arguments_mask_and_training_reach_the_function():
    seen = {}

    def fn(x, scale, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x * scale
    layer = Lambda(fn, arguments={"scale": 3.0}).eval()
    mask = torch.tensor([[True, False]])
    torch.testing.assert_close(layer(torch.ones(1, 2, 1), mask=mask), 3 * torch.ones(1, 2, 1))
    assert seen["mask"] is mask and seen["training"] is False


def test_the_mask_stops_unless_a_mask_function_is_given():
    mask = torch.tensor([[True, False]])
    assert Lambda(last_step).compute_mask(torch.zeros(1, 2, 1), mask) is None
    keep = Lambda(lambda x: x + 1, mask=lambda inputs, mask: mask)
    assert keep.compute_mask(torch.zeros(1, 2, 1), mask) is mask


def test_a_lambda_is_saved_as_its_own_source_text_even_beside_another_on_the_line():
    first, second = Lambda(lambda x: x + 1), Lambda(lambda y: y * 2)
    assert first.get_config()["function"]["config"]["source"] == "lambda x: x + 1"
    assert second.get_config()["function"]["config"]["source"] == "lambda y: y * 2"
    assert "def last_step(x):" in Lambda(last_step).get_config()["function"]["config"]["source"]


def test_loading_a_lambda_is_refused_by_default_with_the_layer_name_and_the_way_out():
    spec = serialize(Lambda(lambda x: x * 2, name="doubler"))
    with pytest.raises(ValueError, match=r"Lambda layer 'doubler' holds Python code "
                                         r"\(lambda x: x \* 2\).*safe_mode=False"):
        deserialize(spec)
    with pytest.raises(ValueError, match="refused by default"):
        Lambda.from_config(spec["config"], safe_mode=True)


def test_loading_a_lambda_with_safe_mode_off_rebuilds_the_function():
    spec = serialize(Lambda(lambda x: torch.tanh(x) * 2, output_shape=lambda s: s))
    layer = deserialize(spec, safe_mode=False)
    with SafeModeScope(False):
        assert deserialize(spec).compute_output_shape((None, 2)) == (None, 2)
    x = torch.randn(3, 2)
    torch.testing.assert_close(layer(x), torch.tanh(x) * 2)
    rebuilt = Lambda.from_config(serialize(Lambda(last_step))["config"], safe_mode=False)
    torch.testing.assert_close(rebuilt(torch.ones(2, 4, 1)), torch.ones(2, 1))


def test_a_named_function_from_custom_objects_loads_without_running_saved_code():
    config = serialize(Lambda(last_step))["config"]
    layer = Lambda.from_config(config, custom_objects={"last_step": last_step})
    assert layer.function is last_step


def test_a_saved_model_with_a_lambda_refuses_to_load_until_the_caller_opts_in(tmp_path):
    model = Sequential([Input(shape=(4, 2)), Lambda(lambda x: x.mean(dim=1)), Dense(1)])
    x = torch.randn(3, 4, 2)
    model.save(tmp_path / "m.rnnkit")
    with pytest.raises(ValueError, match=r"Lambda layer 'lambda\w*' holds Python code"):
        load_model(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit", safe_mode=False)
    torch.testing.assert_close(loaded.eval()(x), model.eval()(x))


def test_a_functional_model_with_a_lambda_saves_and_loads_with_safe_mode_off(tmp_path):
    inputs = Input(shape=(5, 3))
    h = Lambda(lambda t: t[:, -1] * 2, name="last_doubled")(inputs)
    model = Model(inputs, Dense(2)(h))
    x = np.random.default_rng(0).standard_normal((4, 5, 3)).astype("float32")
    model.save(tmp_path / "f.rnnkit")
    with pytest.raises(ValueError, match="Lambda layer 'last_doubled' holds Python code"):
        load_model(tmp_path / "f.rnnkit")
    loaded = load_model(tmp_path / "f.rnnkit", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_a_named_function_in_the_loaders_custom_objects_needs_no_saved_code(tmp_path):
    model = Sequential([Input(shape=(4, 2)), Lambda(last_step), Dense(1)])
    model.save(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit", custom_objects={"last_step": last_step})
    assert loaded.layers[0].function is last_step


def test_lambda_rejects_what_is_not_a_function():
    with pytest.raises(TypeError, match=r"Lambda expects a function, such as Lambda\(lambda"):
        Lambda("x * 2")
    with pytest.raises(ValueError, match="output_shape must be a shape without the batch"):
        Lambda(last_step, output_shape="3")


def test_a_reloaded_lambda_can_name_keras_ops_and_backend_as_keras_programs_do(tmp_path):
    import rnnkit as keras
    from rnnkit import backend as K, ops
    inputs = Input(shape=(5, 3))
    a = Lambda(lambda t: K.mean(t, axis=1))(inputs)
    b = Lambda(lambda t: keras.ops.sum(t, axis=1))(inputs)
    c = Lambda(lambda t: ops.max(t, axis=1))(inputs)
    model = Model(inputs, Dense(1)(Concatenate()([a, b, c])))
    model.save(tmp_path / "m.rnnkit")
    loaded = load_model(tmp_path / "m.rnnkit", safe_mode=False)
    x = np.random.default_rng(0).random((2, 5, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_a_lambda_without_source_text_says_how_to_get_the_model_back():
    config = {"name": "lam", "function": {"class_name": "__lambda__",
                                          "config": {"name": "<lambda>", "source": None}}}
    with pytest.raises(ValueError, match="no source text .* rebuild the model in Python"):
        Lambda.from_config(config, safe_mode=False)
