import numpy as np
import pytest

from rnnkit import data
from rnnkit.utils import Dataset


def pairs(n=10):
    return Dataset.from_tensor_slices((np.arange(n, dtype="float32"), np.arange(n) % 2))


def test_batch_stacks_consecutive_elements_and_len_counts_batches():
    ds = pairs(10).batch(4)
    shapes = [(x.shape, y.shape) for x, y in ds]
    assert shapes == [((4,), (4,)), ((4,), (4,)), ((2,), (2,))] and len(ds) == 3
    assert len(pairs(10).batch(4, drop_remainder=True)) == 2


def test_a_dataset_can_be_iterated_again_every_epoch():
    ds = pairs(5).batch(2)
    first = [x.tolist() for x, _ in ds]
    assert first == [x.tolist() for x, _ in ds] == [[0, 1], [2, 3], [4]]


def test_unbatch_undoes_batch():
    ds = pairs(7).batch(3).unbatch()
    assert [float(x) for x, _ in ds] == list(range(7)) and len(ds) == 7


def test_shuffle_permutes_all_elements_and_reshuffles_each_pass():
    ds = Dataset.from_tensor_slices(np.arange(50)).shuffle(50, seed=0)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == list(range(50)) and first != list(range(50)) and first != second
    again = Dataset.from_tensor_slices(np.arange(50)).shuffle(50, seed=0)
    assert [int(v) for v in again] == first                         # the seed fixes the order


def test_map_passes_tuple_elements_as_arguments():
    ds = pairs(4).map(lambda x, y: (x * 10, y))
    assert [float(x) for x, _ in ds] == [0, 10, 20, 30] and len(ds) == 4


def test_take_skip_and_filter_select_elements():
    ds = Dataset.from_tensor_slices(np.arange(10))
    assert [int(v) for v in ds.skip(2).take(3)] == [2, 3, 4]
    assert len(ds.skip(8)) == 2 and len(ds.take(20)) == 10
    assert [int(v) for v in ds.filter(lambda v: v % 3 == 0)] == [0, 3, 6, 9]


def test_cache_and_prefetch_keep_the_elements():
    calls = []
    ds = Dataset.from_tensor_slices(np.arange(3)).map(lambda v: calls.append(1) or v).cache()
    assert [int(v) for v in ds.prefetch(data.AUTOTUNE)] == [0, 1, 2]
    assert [int(v) for v in ds] == [0, 1, 2] and len(calls) == 3     # second pass from cache


def test_elements_have_numpy_like_tf_tensors():
    x, y = next(iter(pairs(4).batch(2)))
    assert isinstance(x.numpy(), np.ndarray) and x.numpy().tolist() == [0.0, 1.0]


def test_as_numpy_iterator_gives_plain_arrays_and_dicts_stay_dicts():
    ds = Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones((3, 2))}).batch(2)
    first = next(ds.as_numpy_iterator())
    assert type(first["a"]) is np.ndarray and first["b"].shape == (2, 2)


def test_from_generator_and_repeat():
    ds = Dataset.from_generator(lambda: iter([(np.zeros(2), 1), (np.ones(2), 0)])).repeat(2)
    assert len(ds) == 4 and [int(y) for _, y in ds] == [1, 0, 1, 0]


def test_mismatched_lengths_and_bad_batch_sizes_are_refused():
    with pytest.raises(ValueError, match="one length, got lengths \\[3, 2\\]"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(2)))
    with pytest.raises(ValueError, match="batch_size to be a positive integer, got 0"):
        pairs().batch(0)


def test_map_turns_a_layers_torch_output_into_numpy():
    import torch
    ds = pairs(4).batch(2).map(lambda x, y: (torch.as_tensor(x) * 2, y))
    x, _ = next(iter(ds))
    assert isinstance(x, np.ndarray) and x.tolist() == [0.0, 2.0]
