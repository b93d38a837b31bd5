"""rnnkit.ops (core part): conversion, dtypes, slicing, scattering and control flow."""
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
    assert isinstance(ops.convert_to_numpy(torch.ones(2, requires_grad=True)), np.ndarray)


def test_shape_dtype_and_ndim_describe_a_tensor():
    assert ops.shape(np.zeros((2, 3))) == (2, 3)
    assert ops.dtype(np.zeros(2, "float32")) == "float32"
    assert ops.ndim(np.zeros((2, 3, 4))) == 3


def test_slice_and_slice_update_follow_keras():
    x = np.arange(10.0).reshape(2, 5)
    assert ops.slice(x, (0, 1), (2, 2)).tolist() == [[1.0, 2.0], [6.0, 7.0]]
    y = ops.slice_update(x, (1, 3), np.full((1, 2), -1.0))
    assert y[1].tolist() == [5.0, 6.0, 7.0, -1.0, -1.0] and x[1, 3] == 8.0   # x untouched


def test_scatter_adds_values_at_indices():
    out = ops.scatter([[0, 1], [0, 1], [2, 0]], [1.0, 2.0, 5.0], (3, 2))
    assert out.tolist() == [[0.0, 3.0], [0.0, 0.0], [5.0, 0.0]]
    assert ops.scatter_update(np.zeros((2, 2)), [[1, 1]], [7.0]).tolist() == [[0, 0], [0, 7]]


def test_scan_carries_a_state_and_stacks_the_outputs():
    def step(carry, x):
        carry = carry + x
        return carry, carry * 10
    carry, ys = ops.scan(step, torch.tensor(0.0), torch.arange(1.0, 4.0))
    assert float(carry) == 6.0 and ys.tolist() == [10.0, 30.0, 60.0]
    _, ys_rev = ops.scan(step, torch.tensor(0.0), torch.arange(1.0, 4.0), reverse=True)
    assert ys_rev.tolist() == [60.0, 50.0, 30.0]


def test_loops_and_branches_run_python_control_flow():
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1)) == (3, 8)
    assert ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=5) == 5
    assert ops.cond(torch.tensor(True), lambda: "yes", lambda: "no") == "yes"
    assert ops.switch(1, [lambda x: x, lambda x: -x], 3) == -3
    assert ops.map(lambda r: r.sum(), np.ones((3, 2))).tolist() == [2.0, 2.0, 2.0]


def test_unstack_splits_along_an_axis():
    parts = ops.unstack(np.arange(6.0).reshape(2, 3), axis=1)
    assert len(parts) == 3 and parts[0].tolist() == [0.0, 3.0]


def test_unknown_dtype_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown dtype 'float8'.*float32"):
        ops.zeros(2, dtype="float8")


def test_every_op_is_reachable_at_the_top_and_in_its_submodule():
    assert ops.numpy.matmul is ops.matmul and ops.nn.softmax is ops.softmax
    assert ops.core.scan is ops.scan and ops.math.top_k is ops.top_k
    assert ops.linalg.norm is ops.norm
    assert "torch" not in ops.__all__ and "matmul" in ops.__all__
