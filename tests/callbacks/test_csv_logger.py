import csv

import pytest

from rnnkit.callbacks import CSVLogger


def read_rows(path, delimiter=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def test_the_csv_has_a_header_and_one_row_per_epoch(model, fit, losses, tmp_path):
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], losses(0.5, 0.25))
    assert read_rows(path) == [["epoch", "loss", "val_loss"],
                               ["0", "0.5", "0.5"],
                               ["1", "0.25", "0.25"]]


def test_append_continues_the_file_without_a_second_header(model, fit, losses, tmp_path):
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], losses(0.5))
    fit(model, [CSVLogger(path, append=True)], losses(0.25))
    assert read_rows(path) == [["epoch", "loss", "val_loss"], ["0", "0.5", "0.5"],
                               ["0", "0.25", "0.25"]]


def test_without_append_the_file_is_overwritten(model, fit, losses, tmp_path):
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], losses(0.5))
    fit(model, [CSVLogger(path)], losses(0.25))
    assert len(read_rows(path)) == 2


def test_val_columns_are_reserved_when_validation_skips_the_first_epoch(model, fit, tmp_path):
    path = tmp_path / "log.csv"
    fit(model, [CSVLogger(path)], [{"loss": 0.5}, {"loss": 0.4, "val_loss": 0.45}])
    assert read_rows(path) == [["epoch", "loss", "val_loss"], ["0", "0.5", "NA"],
                               ["1", "0.4", "0.45"]]


def test_appending_to_a_file_with_other_columns_keeps_its_header_and_warns(model, fit, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss\n0,0.9\n")
    with pytest.warns(UserWarning, match="accuracy are not written"):
        fit(model, [CSVLogger(path, append=True)], [{"loss": 0.5, "accuracy": 0.8}])
    assert read_rows(path) == [["epoch", "loss"], ["0", "0.9"], ["0", "0.5"]]


def test_the_separator_is_used_between_cells(model, fit, losses, tmp_path):
    path = tmp_path / "log.tsv"
    fit(model, [CSVLogger(path, separator="\t")], losses(0.5))
    assert path.read_text().splitlines()[0] == "epoch\tloss\tval_loss"


def test_a_separator_longer_than_one_character_is_rejected():
    with pytest.raises(ValueError, match="one character.*got ';;'"):
        CSVLogger("log.csv", separator=";;")
