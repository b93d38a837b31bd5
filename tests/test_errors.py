import pytest

from rnnkit import cli, errors
from rnnkit.datasets import errors as dataset_errors


def test_user_error_is_the_same_class_from_errors_and_from_cli():
    assert cli.UserError is errors.UserError


def test_data_errors_are_the_same_classes_from_errors_and_from_datasets():
    assert dataset_errors.DataError is errors.DataError
    assert dataset_errors.DataFileNotFoundError is errors.DataFileNotFoundError


def test_a_missing_data_file_is_caught_as_data_error_and_as_file_not_found():
    with pytest.raises(errors.DataError):
        raise errors.DataFileNotFoundError("x.csv")
    with pytest.raises(FileNotFoundError):
        raise errors.DataFileNotFoundError("x.csv")


@pytest.mark.parametrize("error", [errors.UserError, errors.DataError])
def test_the_cli_prints_user_and_data_errors_as_one_line_with_exit_code_2(
        error, monkeypatch, capsys):
    def fail(args):
        raise error("expected a column 'y', got 'x'; pass --column x")
    monkeypatch.setattr("rnnkit.tasks.demo.main", fail)
    assert cli.main(["demo"]) == 2
    err = capsys.readouterr().err
    assert err == "rnnkit demo: error: expected a column 'y', got 'x'; pass --column x\n"
