"""rnnkit.ops: keras.ops names on torch, accepting NumPy, lists or tensors, NumPy semantics."""
import numpy as np
import pytest
import torch

from rnnkit import ops


def test_numpy_and_lists_come_back_as_torch_tensors():
    assert isinstance(ops.matmul(np.ones((2, 3)), torch.ones(3, 4, dtype=torch.float64)),
                      torch.Tensor)
    assert ops.convert_to_tensor([1.0, 2.0]).dtype == torch.float32
    assert ops.convert_to_tensor(np.zeros(2, "float64")).dtype == torch.float64
    assert ops.cast([1, 2], "float32").dtype == torch.float32


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


def test_activations_match_torch():
    x = torch.linspace(-3, 3, 7)
    torch.testing.assert_close(ops.sigmoid(x), torch.sigmoid(x))
    torch.testing.assert_close(ops.tanh(x), torch.tanh(x))
    torch.testing.assert_close(ops.relu(x), torch.relu(x))
    torch.testing.assert_close(ops.softmax(x.reshape(1, 7), axis=-1).sum(), torch.tensor(1.0))


def test_shape_is_a_tuple_and_creation_takes_keras_dtypes():
    assert ops.shape(np.zeros((2, 3))) == (2, 3)
    assert ops.zeros((2, 3), dtype="int32").dtype == torch.int32
    assert ops.ones(3).shape == (3,)
    assert ops.zeros_like(np.ones((2, 2), "float32")).dtype == torch.float32


def test_gradients_flow_through_ops():
    w = torch.ones(3, 2, requires_grad=True)
    ops.sum(ops.tanh(ops.matmul(np.ones((4, 3), "float32"), w))).backward()
    assert w.grad is not None and w.grad.shape == (3, 2)


def test_unknown_dtype_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown dtype 'float8'.*float32"):
        ops.zeros(2, dtype="float8")
