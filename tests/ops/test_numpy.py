"""rnnkit.ops (numpy part): keras.ops names on torch with NumPy's semantics and results."""
import numpy as np
import pytest
import torch

from rnnkit import ops


@pytest.mark.parametrize("name, args, kwargs", [
    ("sum", (np.arange(6.0).reshape(2, 3),), {"axis": 1}),
    ("mean", (np.arange(6.0).reshape(2, 3),), {"axis": (0, 1), "keepdims": True}),
    ("max", (np.arange(6.0).reshape(2, 3),), {"axis": 0}),
    ("min", (np.arange(6.0).reshape(2, 3),), {}),
    ("transpose", (np.arange(24.0).reshape(2, 3, 4),), {}),
    ("transpose", (np.arange(24.0).reshape(2, 3, 4),), {"axes": (1, 0, 2)}),
    ("expand_dims", (np.ones((2, 3)),), {"axis": -1}),
    ("squeeze", (np.ones((2, 1, 3)),), {"axis": 1}),
    ("reshape", (np.arange(6.0),), {"newshape": (3, 2)}),
    ("concatenate", ([np.ones((2, 3)), np.zeros((2, 1))],), {"axis": 1}),
    ("stack", ([np.ones(3), np.zeros(3)],), {"axis": 1}),
    ("dot", (np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)), {}),
    ("dot", (np.arange(24.0).reshape(2, 3, 4), np.arange(20.0).reshape(4, 5)), {}),
    ("clip", (np.array([-2.0, 0.5, 3.0]), -1.0, 1.0), {}),
    ("where", (np.array([True, False]), np.ones(2), np.zeros(2)), {}),
    ("maximum", (np.array([1.0, 5.0]), np.array([3.0, 2.0])), {}),
    ("square", (np.array([-2.0, 3.0]),), {}),
    ("cumsum", (np.arange(6.0).reshape(2, 3),), {"axis": 1}),
    ("einsum", ("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))), {}),
    ("tile", (np.arange(3.0), (2,)), {}),
    ("flip", (np.arange(4.0),), {}),
    ("tril", (np.arange(9.0).reshape(3, 3),), {"k": -1}),
    ("triu", (np.arange(9.0).reshape(3, 3),), {}),
    ("diag", (np.arange(3.0),), {}),
    ("trace", (np.arange(9.0).reshape(3, 3),), {}),
    ("linspace", (0.0, 1.0, 5), {}),
    ("linspace", (0.0, 1.0, 4), {"endpoint": False}),
    ("roll", (np.arange(6.0).reshape(2, 3), 1), {"axis": 1}),
    ("sort", (np.array([[3.0, 1.0, 2.0]]),), {}),
    ("argsort", (np.array([[3.0, 1.0, 2.0]]),), {}),
    ("cumprod", (np.arange(1.0, 5.0),), {}),
    ("diff", (np.array([1.0, 4.0, 9.0, 16.0]),), {}),
    ("count_nonzero", (np.array([[0, 1], [2, 0]]),), {"axis": 0}),
    ("average", (np.arange(6.0).reshape(2, 3),), {"axis": 1, "weights": np.array([1.0, 2.0, 3.0])}),
    ("median", (np.array([[1.0, 5.0, 2.0, 8.0]]),), {"axis": 1}),
    ("take_along_axis", (np.array([[10.0, 30.0, 20.0]]), np.array([[1, 2]])), {"axis": 1}),
    ("mod", (np.array([5.0, -5.0]), 3.0), {}),
    ("floor_divide", (np.array([5.0, -5.0]), 3.0), {}),
    ("arctan2", (np.array([1.0, -1.0]), np.array([2.0, 2.0])), {}),
    ("log10", (np.array([1.0, 100.0]),), {}),
    ("expm1", (np.array([0.0, 1e-3]),), {}),
    ("cbrt", (np.array([-8.0, 27.0]),), {}),
    ("vstack", ([np.ones(2), np.zeros(2)],), {}),
    ("hstack", ([np.ones(2), np.zeros(3)],), {}),
    ("append", (np.ones((2, 2)), np.zeros((1, 2))), {"axis": 0}),
    ("nan_to_num", (np.array([np.nan, 1.0]),), {}),
    ("logical_xor", (np.array([True, False]), np.array([True, True])), {}),
    ("isclose", (np.array([1.0, 1.1]), np.array([1.0, 1.0])), {}),
])
def test_results_equal_numpys(name, args, kwargs):
    if name == "reshape":                                  # NumPy 2 renamed newshape to shape
        expected = np.reshape(args[0], kwargs["newshape"])
    else:
        expected = getattr(np, name)(*args, **kwargs)
    np.testing.assert_allclose(getattr(ops, name)(*args, **kwargs).numpy(), expected)


def test_split_takes_a_count_or_cut_indices_like_numpy():
    x = np.arange(10.0)
    assert [len(p) for p in ops.split(x, 5)] == [2] * 5
    assert [len(p) for p in ops.split(x, [2, 5])] == [2, 3, 5]
    with pytest.raises(ValueError, match="cannot cut an axis of size 10 into 3 equal parts"):
        ops.split(x, 3)


def test_divide_no_nan_gives_zero_where_the_divisor_is_zero():
    assert ops.divide_no_nan([1.0, 2.0], [0.0, 4.0]).tolist() == [0.0, 0.5]


def test_creation_takes_keras_dtypes():
    assert ops.zeros((2, 3), dtype="int32").dtype == torch.int32
    assert ops.ones(3).shape == (3,)
    assert ops.zeros_like(np.ones((2, 2), "float32")).dtype == torch.float32
    assert ops.eye(3, dtype="float64").dtype == torch.float64


def test_gradients_flow_through_ops():
    w = torch.ones(3, 2, requires_grad=True)
    ops.sum(ops.tanh(ops.matmul(np.ones((4, 3), "float32"), w))).backward()
    assert w.grad is not None and w.grad.shape == (3, 2)
