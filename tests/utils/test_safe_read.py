"""The safe reader: regular files only, bounded sizes and depth, paths kept in their folder."""
import json
import os

import pytest

from rnnkit.errors import DamagedFileError, UserError
from rnnkit.utils.safe_read import check_tree, field, inside, read_json


def test_a_fifo_in_place_of_a_json_file_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "task.json")
    with pytest.raises(DamagedFileError, match=r"task.json: expected a JSON file \(a regular "
                                               r"file\), got a FIFO"):
        read_json(tmp_path / "task.json")


def test_a_file_over_its_size_limit_is_refused_before_it_is_read(tmp_path):
    (tmp_path / "big.json").write_text(json.dumps({"x": "y" * 2000}))
    with pytest.raises(DamagedFileError, match=r"at most 1,000 bytes, got 2,\d{3} bytes"):
        read_json(tmp_path / "big.json", max_bytes=1000)


def test_json_deeper_than_the_limit_is_refused_and_named(tmp_path):
    (tmp_path / "deep.json").write_text('{"a": ' + "[" * 100 + "]" * 100 + "}")
    with pytest.raises(DamagedFileError, match=r"deep.json: expected JSON at most 64 levels"):
        read_json(tmp_path / "deep.json")


def test_nan_in_strict_json_is_refused(tmp_path):
    (tmp_path / "m.json").write_text('{"rmse": NaN}')
    with pytest.raises(DamagedFileError, match="NaN is not a JSON number"):
        read_json(tmp_path / "m.json")
    assert read_json(tmp_path / "m.json", allow_nan=True)["rmse"] != 0


def test_a_top_level_of_the_wrong_type_is_named(tmp_path):
    (tmp_path / "v.json").write_text("[1, 2]")
    with pytest.raises(DamagedFileError, match="expected a JSON object at the top, got an array"):
        read_json(tmp_path / "v.json")


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "outside.json").write_text("{}")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "task.json").symlink_to(tmp_path / "outside.json")
    with pytest.raises(DamagedFileError, match="expected a file inside"):
        read_json(tmp_path / "run" / "task.json", root=tmp_path / "run")
    with pytest.raises(DamagedFileError, match="expected a file inside"):
        check_tree(tmp_path / "run")


@pytest.mark.parametrize("name", ["/etc/passwd", "../model", "a/../../b", "", None, 3])
def test_names_read_from_a_file_must_stay_inside_the_folder(tmp_path, name):
    with pytest.raises(DamagedFileError, match="field 'members': expected a name inside"):
        inside(tmp_path, name, tmp_path / "task.json", "members")


def test_a_name_inside_the_folder_is_returned_joined(tmp_path):
    assert inside(tmp_path, "model-2", tmp_path / "task.json", "members") == tmp_path / "model-2"


def test_check_tree_counts_regular_files_and_refuses_a_fifo_deep_inside(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    assert check_tree(tmp_path) == 2                 # the folder and its file
    os.mkfifo(tmp_path / "model" / "optimizer.safetensors")
    with pytest.raises(DamagedFileError, match="optimizer.safetensors: expected a regular file, "
                                               "got a FIFO"):
        check_tree(tmp_path)


@pytest.mark.parametrize("value, message", [
    (True, r"field 'units': expected an integer, got True \(boolean\)"),
    ("8", r"field 'units': expected an integer, got '8' \(string\)"),
    (10**9, r"field 'units': expected a number in \[1, 4096\], got 1000000000"),
])
def test_field_refuses_wrong_types_and_out_of_range_numbers(value, message):
    with pytest.raises(DamagedFileError, match=message):
        field({"units": value}, "units", "task.json", int, 1, 4096)


def test_field_returns_a_good_value_and_the_default_for_a_missing_key():
    assert field({"units": 8}, "units", "task.json", int, 1, 4096) == 8
    assert field({}, "units", "task.json", int, default=16) == 16


def test_the_error_is_a_user_error_and_a_value_error_for_older_callers():
    assert issubclass(DamagedFileError, UserError) and issubclass(DamagedFileError, ValueError)


def test_a_one_line_file_over_the_csv_field_limit_is_a_data_error_naming_it(tmp_path):
    from rnnkit.datasets import DataError
    from rnnkit.datasets.readers import read_labelled_texts
    (tmp_path / "one_line.csv").write_text("x" * 200_000)
    with pytest.raises(DataError, match=r"one_line.csv, line 1: expected CSV fields of at most"):
        read_labelled_texts(tmp_path / "one_line.csv")
