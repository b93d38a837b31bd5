"""rnnkit.ops (math and linalg parts): segments, top-k, special functions, linear algebra."""
import numpy as np
import torch

from rnnkit import ops


def test_segment_reductions_reduce_rows_by_id():
    data, ids = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 1, 1])
    assert ops.segment_sum(data, ids).tolist() == [3.0, 7.0]
    assert ops.segment_max(data, ids).tolist() == [2.0, 4.0]
    assert ops.segment_min(data, ids).tolist() == [1.0, 3.0]
    assert ops.segment_prod(data, ids).tolist() == [2.0, 12.0]
    assert ops.segment_sum(data, ids, num_segments=3).tolist() == [3.0, 7.0, 0.0]


def test_top_k_and_in_top_k_rank_the_last_axis():
    values, indices = ops.top_k(np.array([[1.0, 3.0, 2.0]]), 2)
    assert values.tolist() == [[3.0, 2.0]] and indices.tolist() == [[1, 2]]
    assert ops.in_top_k([1, 0], np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1]]), 1).tolist() \
        == [True, False]


def test_logsumexp_and_special_functions_match_numpy():
    x = np.array([[0.0, 1.0, 2.0]])
    np.testing.assert_allclose(ops.logsumexp(x, axis=1).numpy(), np.log(np.exp(x).sum(1)))
    np.testing.assert_allclose(ops.rsqrt(np.array([4.0])).numpy(), [0.5])
    np.testing.assert_allclose(ops.erfinv(ops.erf(np.array([0.3]))).numpy(), [0.3], rtol=1e-6)


def test_extract_sequences_frames_the_last_axis():
    frames = ops.extract_sequences(np.arange(6.0), 3, 2)
    assert frames.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]


def test_linear_algebra_agrees_with_numpy():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    b = np.array([1.0, 2.0])
    np.testing.assert_allclose(ops.solve(a, b).numpy(), np.linalg.solve(a, b))
    np.testing.assert_allclose(ops.inv(a).numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(float(ops.det(a)), np.linalg.det(a))
    np.testing.assert_allclose(ops.norm(a).numpy(), np.linalg.norm(a))
    L = ops.cholesky(a)
    torch.testing.assert_close(L @ L.T, torch.as_tensor(a))
    q, r = ops.qr(a)
    torch.testing.assert_close(q @ r, torch.as_tensor(a))
