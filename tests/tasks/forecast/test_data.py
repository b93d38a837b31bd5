"""Reading the series: no silent guesses; every problem one line on stderr, exit 2."""
import numpy as np
import pytest

from rnnkit import cli
from rnnkit.datasets import dataset_path
from rnnkit.tasks.forecast.data import load_series

AIRLINE = dataset_path("airline_passengers") / "airline_passengers.csv"


def write(path, text):
    path.write_text(text)
    return path


def run_cli(argv, tmp_path, capsys):
    before = sorted(tmp_path.iterdir())
    code = cli.main(["forecast", *argv, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert sorted(tmp_path.iterdir()) == before                  # no run folder, no partial
    return code, err


def test_several_numeric_columns_without_column_asks_for_the_flag(tmp_path, capsys):
    rows = "\n".join(f"2020-{m:02d},{100 + m},{m % 2}" for m in range(1, 13))
    path = write(tmp_path / "sales.csv", "month,units,promo\n" + rows + "\n")
    code, err = run_cli([str(path)], tmp_path, capsys)
    assert code == 2 and "--column" in err and "units, promo" in err and "\n" not in err


def test_a_decimal_comma_in_a_comma_file_is_refused_with_the_count(tmp_path, capsys):
    rows = [f"2020-{m:02d},{10 + m}" for m in range(1, 13)]
    rows[4], rows[7] = "2020-05,12,5", "2020-08,13,25"
    path = write(tmp_path / "comma.csv", "month,value\n" + "\n".join(rows) + "\n")
    code, err = run_cli([str(path)], tmp_path, capsys)
    assert code == 2 and "2 row(s) have more fields" in err and "2020-05,12,5" in err
    assert "decimal comma" in err


def test_decimal_commas_in_a_semicolon_file_are_read_and_counted(tmp_path):
    path = write(tmp_path / "semi.csv", "month;value\n2020-01;12,5\n2020-02;13\n2020-03;1,25\n")
    series = load_series(path)
    np.testing.assert_allclose(series.values, [12.5, 13.0, 1.25])
    assert series.notes == ["2 value(s) with a decimal comma read as decimals (e.g. 12,5 as "
                            "12.5)"]


def test_missing_markers_are_counted_by_kind_and_named_in_the_notes(tmp_path):
    rows = "2020-01,1\n2020-02,n/a\n2020-03,\n2020-04,4\n2020-05,N/A\n2020-06,6\n"
    series = load_series(write(tmp_path / "gaps.csv", "month,value\n" + rows))
    assert np.isnan(series.values).sum() == 3
    assert series.notes == ["3 missing value(s) (2 'n/a', 1 'empty'; first at 2020-02, 2020-03, "
                            "2020-05) filled by linear interpolation; they are never scored"]
    np.testing.assert_allclose(series.filled("interpolate"), [1, 2, 3, 4, 5, 6])


def test_missing_values_with_missing_error_stop_the_run(tmp_path, capsys):
    rows = [f"2020-{m:02d},{10 + m}" for m in range(1, 13)] * 5
    rows[3] = "2020-04,n/a"
    path = write(tmp_path / "gap.csv", "month,value\n" + "\n".join(rows) + "\n")
    code, err = run_cli([str(path), "--missing", "error"], tmp_path, capsys)
    assert code == 2 and "1 missing value(s) (1 'n/a')" in err and "--missing" in err


def test_a_file_of_several_series_asks_for_one_by_id(tmp_path, capsys):
    code, err = run_cli(["--dataset", "stock_prices", "--series", "XYZ"], tmp_path, capsys)
    assert code == 2 and "5 series in column 'symbol'" in err and "--series" in err
    msft = load_series(dataset="stock_prices", series="AAPL")
    assert msft.column == "price" and msft.index[0] == "Jan 1 2000" and len(msft.values) == 123


@pytest.mark.parametrize("case", ["missing file", "unknown column", "non-numeric value",
                                  "series too short"])
def test_bad_input_is_one_line_on_stderr_exit_2_and_no_run_folder(case, tmp_path, capsys):
    rows = [f"2000-{m:02d},{100 + m}" for m in range(1, 13)] * 3
    argv = {
        "missing file": [str(tmp_path / "nope.csv")],
        "unknown column": [str(AIRLINE), "--column", "Pasengers"],
        "non-numeric value": [str(write(tmp_path / "text.csv", "month,value\n" + "\n".join(
            rows[:20] + ["2002-09,lots"] + rows[20:]) + "\n"))],
        "series too short": [str(write(tmp_path / "short.csv", "month,value\n" +
                                       "\n".join(rows) + "\n")), "--season", "12"],
    }[case]
    code, err = run_cli(argv, tmp_path, capsys)
    assert code == 2 and err.startswith("rnnkit forecast: error:") and "\n" not in err
    if case == "unknown column":
        assert "Did you mean --column Passengers?" in err
