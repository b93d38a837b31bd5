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


def test_padded_batch_pads_each_component_to_the_longest_in_the_batch():
    def pairs_of_lengths():
        for n in (1, 3, 2):
            yield np.arange(1, n + 1), np.full(n, 7)
    ds = Dataset.from_generator(pairs_of_lengths).padded_batch(2, padding_values=(0, -1))
    (x0, y0), (x1, y1) = list(ds)
    assert x0.tolist() == [[1, 0, 0], [1, 2, 3]] and y0.tolist() == [[7, -1, -1], [7, 7, 7]]
    assert x1.tolist() == [[1, 2]]
    fixed = Dataset.from_generator(pairs_of_lengths).padded_batch(3, padded_shapes=([4], [2]))
    x, y = next(iter(fixed))
    assert x.shape == (3, 4) and y.shape == (3, 2)


def test_cardinality_reads_as_in_tf():
    assert pairs(10).batch(3).cardinality().numpy() == 4


def test_a_dataset_repeated_forever_has_no_length_but_can_be_taken_from():
    ds = pairs(3).repeat().batch(2)
    with pytest.raises(TypeError, match="steps_per_epoch"):
        len(ds)
    assert ds.cardinality() == -1
    assert len(ds.take(5)) == 5 and len(list(ds.take(5))) == 5


def test_window_and_flat_map_build_the_windowed_dataset_of_tf_time_series_code():
    series, window_size = np.arange(8, dtype="float32"), 3
    ds = Dataset.from_tensor_slices(series)
    ds = ds.window(window_size + 1, shift=1, drop_remainder=True)
    ds = ds.flat_map(lambda window: window.batch(window_size + 1))
    ds = ds.map(lambda window: (window[:-1], window[-1])).batch(2)
    batches = [(x.tolist(), y.tolist()) for x, y in ds]
    assert batches == [([[0, 1, 2], [1, 2, 3]], [3, 4]), ([[2, 3, 4], [3, 4, 5]], [5, 6]),
                       ([[4, 5, 6]], [7])]


def test_windows_keep_a_short_last_window_unless_dropped():
    ds = Dataset.from_tensor_slices(np.arange(5)).window(2)
    assert [[int(v) for v in w] for w in ds] == [[0, 1], [2, 3], [4]]
    strided = Dataset.from_tensor_slices(np.arange(6)).window(2, shift=2, stride=2,
                                                              drop_remainder=True)
    assert [[int(v) for v in w] for w in strided] == [[0, 2], [2, 4]]
