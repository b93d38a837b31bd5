"""BPTT in rnnkit.reference agrees with central differences to 1e-6 in float64."""
import numpy as np
import pytest

from rnnkit import reference
from rnnkit.reference import assert_gradcheck, gradcheck

D, H, O = 3, 5, 4
TOL = 1e-6


def model_with_weights_of_order_one(seed=0):
    """The 0.01 init makes some gradients ~1e-9, below what finite differences resolve."""
    model = reference.RNN(D, H, O, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for p in model.parameters().values():
        p[...] = rng.normal(size=p.shape) * 0.5
    return model


def problem(kind, T, B, rng):
    """(inputs, targets, loss, mode) for each way of scoring a sequence."""
    xs = rng.normal(size=(T, D, B))
    if kind == "mse on the last step":
        return xs, rng.normal(size=(O, B)), "mse", "last"
    if kind == "mse on every step":
        return xs, rng.normal(size=(T, O, B)), "mse", "every"
    if kind == "softmax on every step":
        return xs, rng.integers(0, O, size=(T, B)), "softmax", "every"
    if kind == "softmax on the last step":
        return xs, rng.integers(0, O, size=(B,)), "softmax", "last"
    if kind == "softmax on token inputs":                        # one-hot x_t as indices
        return rng.integers(0, D, size=(T, B)), rng.integers(0, O, size=(T, B)), "softmax", None
    raise AssertionError(kind)


KINDS = ["mse on the last step", "mse on every step", "softmax on every step",
         "softmax on the last step", "softmax on token inputs"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("B", [1, 4])
@pytest.mark.parametrize("T", [1, 2, 25])
def test_bptt_gradients_match_central_differences_for_every_parameter(T, B, kind):
    rng = np.random.default_rng(T * 10 + B)
    model = model_with_weights_of_order_one(seed=T + B)
    inputs, targets, loss, mode = problem(kind, T, B, rng)
    errors = gradcheck(model, inputs, targets, loss=loss, mode=mode)
    assert set(errors) == {"Wxh", "Whh", "Why", "bh", "by"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("loss", ["mse", "softmax"])
@pytest.mark.parametrize("T", [1, 2, 25])
def test_the_gradient_for_the_initial_state_matches_central_differences(T, loss):
    # Scored on every step, so dL/dh0 is not vanishingly small even after 25 steps.
    rng = np.random.default_rng(T)
    model = model_with_weights_of_order_one()
    inputs, targets, _, _ = problem(f"{loss} on every step", T, 3, rng)
    errors = gradcheck(model, inputs, targets, loss=loss, h0=rng.normal(size=(H, 3)))
    assert errors["h0"] < TOL and max(errors.values()) < TOL, errors


def test_a_list_of_column_vectors_as_in_the_seed_checks_too():
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(D, 1)) for _ in range(6)]
    assert_gradcheck(model_with_weights_of_order_one(), inputs, rng.normal(size=(O, 1)))


def test_gradcheck_leaves_the_model_as_it_was():
    model = model_with_weights_of_order_one()
    before = {k: p.copy() for k, p in model.parameters().items()}
    gradcheck(model, np.ones((3, D, 2)), np.zeros((O, 2)))
    for k, p in model.parameters().items():
        np.testing.assert_array_equal(p, before[k])


class WrongRecurrentGradient(reference.RNN):
    def backward(self, cache, dys, dh_last=None):
        grads = super().backward(cache, dys, dh_last)
        grads["Whh"] = grads["Whh"].T                            # a classic slip
        return grads


def test_assert_gradcheck_raises_and_names_the_parameter_whose_backward_is_wrong():
    model = WrongRecurrentGradient(D, H, O, seed=0)
    for p in model_with_weights_of_order_one().parameters().items():
        model.parameters()[p[0]][...] = p[1]
    with pytest.raises(AssertionError, match=r"beyond tol=1e-06 \(Whh: .*\)\. All errors"):
        assert_gradcheck(model, np.ones((4, D, 1)), np.zeros((4, O, 1)))


def test_gradcheck_refuses_a_step_size_that_is_not_positive():
    with pytest.raises(ValueError, match="eps must be a small positive number"):
        gradcheck(reference.RNN(D, H, O), np.ones((2, D, 1)), np.zeros((O, 1)), eps=0.0)
