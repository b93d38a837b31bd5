import numpy as np
import pytest

from rnnkit.utils import PyDataset, text_dataset_from_directory, timeseries_dataset_from_array


def test_windows_and_targets_follow_keras_indexing():
    data, targets = np.arange(20), np.arange(20) * 10
    ds = timeseries_dataset_from_array(data, targets, sequence_length=3, sequence_stride=2,
                                       sampling_rate=2, batch_size=3, start_index=1,
                                       end_index=15)
    batches = [(x.tolist(), y.tolist()) for x, y in ds]
    # windows start at 1, 3, 5, 7, 9 (the last fits: 9 + 2 * 2 = 13 < 15); target at the start
    assert batches == [([[1, 3, 5], [3, 5, 7], [5, 7, 9]], [10, 30, 50]),
                       ([[7, 9, 11], [9, 11, 13]], [70, 90])]
    assert len(ds) == 2


def test_forecasting_targets_are_the_values_after_each_window():
    series = np.arange(10, dtype="float32")[:, None]                 # (T, 1)
    ds = timeseries_dataset_from_array(series[:-4], series[4:], sequence_length=4, batch_size=8)
    x, y = next(iter(ds))
    assert x.shape == (3, 4, 1) and y[:, 0].tolist() == [4.0, 5.0, 6.0]
    np.testing.assert_array_equal(x[:, -1, 0] + 1, y[:, 0])


def test_shuffled_windows_keep_their_targets():
    data = np.arange(30)
    ds = timeseries_dataset_from_array(data, data + 100, 5, batch_size=4, shuffle=True, seed=1)
    starts = []
    for x, y in ds:
        np.testing.assert_array_equal(x[:, 0] + 100, y)
        starts += x[:, 0].tolist()
    assert sorted(starts) == list(range(26)) and starts != list(range(26))


def test_without_targets_and_without_batching():
    ds = timeseries_dataset_from_array(np.arange(5), None, 4, batch_size=None)
    assert [w.tolist() for w in ds] == [[0, 1, 2, 3], [1, 2, 3, 4]]


def test_too_short_data_says_so():
    with pytest.raises(ValueError, match="no window of sequence_length=10"):
        timeseries_dataset_from_array(np.arange(5), None, 10)


@pytest.fixture
def reviews(tmp_path):
    for label, texts in {"neg": ["bad", "awful", "poor", "dull"],
                         "pos": ["good", "great", "fine", "nice", "superb", "grand"]}.items():
        (tmp_path / label).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(text)
    (tmp_path / "pos" / "notes.md").write_text("not a text file")
    return tmp_path


def test_texts_are_labelled_by_their_folder_in_alphabetical_order(reviews):
    ds = text_dataset_from_directory(reviews, batch_size=4, seed=0)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    seen = {(t, int(y)) for xb, yb in ds for t, y in zip(xb, yb)}
    assert ("awful", 0) in seen and ("superb", 1) in seen and len(seen) == 10


def test_validation_split_gives_disjoint_subsets(reviews):
    train, val = text_dataset_from_directory(reviews, batch_size=32, validation_split=0.3,
                                             subset="both", seed=7)
    train_texts = {t for xb, _ in train for t in xb}
    val_texts = {t for xb, _ in val for t in xb}
    assert len(train_texts) == 7 and len(val_texts) == 3 and not train_texts & val_texts
    again = text_dataset_from_directory(reviews, validation_split=0.3, subset="validation", seed=7)
    assert {t for xb, _ in again for t in xb} == val_texts


def test_label_modes(reviews):
    _, y = next(iter(text_dataset_from_directory(reviews, label_mode="categorical", seed=0)))
    assert y.shape == (10, 2) and y.sum() == 10
    _, y = next(iter(text_dataset_from_directory(reviews, label_mode="binary", seed=0)))
    assert y.shape == (10, 1) and y.dtype == np.float32


def test_a_split_without_a_seed_is_refused(reviews):
    with pytest.raises(ValueError, match="pass seed="):
        text_dataset_from_directory(reviews, validation_split=0.2, subset="training")


def test_a_pydataset_iterates_its_batches_then_calls_on_epoch_end():
    class Halves(PyDataset):
        epochs_ended = 0

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.full((3, 1), i), np.full((3,), i)

        def on_epoch_end(self):
            self.epochs_ended += 1

    seq = Halves()
    assert [int(x[0, 0]) for x, _ in seq] == [0, 1] and seq.epochs_ended == 1


def test_timeseries_generator_batches_windows_as_keras_2():
    from rnnkit.preprocessing.sequence import TimeseriesGenerator
    data = np.arange(10)[:, None]
    gen = TimeseriesGenerator(data, data[:, 0] * 10, length=4, sampling_rate=2, stride=2,
                              batch_size=2)
    # rows 4, 6, 8 (every 2nd from start_index + length = 4 to end_index = 9)
    assert len(gen) == 2
    x, y = gen[0]
    assert x[:, :, 0].tolist() == [[0, 2], [2, 4]] and y.tolist() == [40, 60]
    x, y = gen[1]
    assert x[:, :, 0].tolist() == [[4, 6]] and y.tolist() == [80]


def test_timeseries_generator_refuses_data_too_short_for_one_window():
    from rnnkit.utils import TimeseriesGenerator
    with pytest.raises(ValueError, match="no window fits"):
        TimeseriesGenerator(np.arange(3), np.arange(3), length=5)


def test_register_keras_serializable_returns_the_class_and_records_it():
    from rnnkit.utils import get_custom_objects, register_keras_serializable

    @register_keras_serializable(package="MyLayers")
    class Scale:
        pass

    assert get_custom_objects()["MyLayers>Scale"] is Scale
