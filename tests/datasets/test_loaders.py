"""The bundled datasets load with the record counts their SOURCE.md states, and every
reader turns a bad user file into one DataError that says what, where and how to fix."""

import importlib
from collections import Counter

import numpy as np
import pytest

from rnnkit.datasets import (
    DATASETS,
    DataError,
    DataFileNotFoundError,
    dataset_path,
    load_airline_passengers,
    load_co2,
    load_japanese_vowels,
    load_pos_tagged,
    load_sentiment,
    load_tiny_shakespeare,
    load_translation_pairs,
    read_csv_column,
    read_labelled_texts,
    read_sentence_pairs,
    read_tagged_sentences,
    read_text,
    read_ts,
)

UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}


@pytest.fixture(scope="module")
def vowels():
    return load_japanese_vowels()


@pytest.fixture(scope="module")
def pos():
    return load_pos_tagged()


# ------------------------------------------------------------------ bundled datasets


def test_every_bundled_dataset_has_a_description_a_licence_and_its_source_file():
    for name, info in DATASETS.items():
        assert info["description"] and info["licence"], name
        assert (dataset_path(name) / "SOURCE.md").is_file(), name
        assert hasattr(importlib.import_module("rnnkit.datasets"), info["loader"]), name


def test_an_unknown_dataset_name_lists_the_available_names():
    with pytest.raises(DataError, match="Available: airline_passengers, cmn_eng_pairs"):
        dataset_path("airline")


def test_airline_passengers_has_144_months_from_1949_to_1960():
    dates, values = load_airline_passengers()
    assert len(dates) == len(values) == 144
    assert (dates[0], dates[-1]) == ("1949-01", "1960-12")
    assert values.dtype == np.float64 and not np.isnan(values).any()
    assert (values[0], values[-1]) == (112.0, 432.0)


def test_co2_keeps_its_59_missing_weeks_as_nan_by_default():
    dates, values = load_co2()
    assert len(dates) == len(values) == 2284
    assert int(np.isnan(values).sum()) == 59
    assert (dates[0], dates[-1]) == ("1958-03-29", "2001-12-29")


def test_co2_interpolates_a_missing_week_between_its_neighbours():
    _, kept = load_co2()
    dates, filled = load_co2(missing="interpolate")
    assert len(dates) == 2284 and not np.isnan(filled).any()
    i = int(np.flatnonzero(np.isnan(kept))[0])                 # week 6, 1958-05-10
    assert not np.isnan(kept[i - 1]) and not np.isnan(kept[i + 1])
    assert filled[i] == pytest.approx((kept[i - 1] + kept[i + 1]) / 2)
    np.testing.assert_array_equal(filled[~np.isnan(kept)], kept[~np.isnan(kept)])


def test_co2_drop_removes_the_missing_weeks_together_with_their_dates():
    all_dates, kept = load_co2()
    dates, values = load_co2(missing="drop")
    assert len(dates) == len(values) == 2284 - 59
    assert dates == [d for d, v in zip(all_dates, kept, strict=True) if not np.isnan(v)]


def test_co2_rejects_an_unknown_missing_policy_and_names_the_valid_ones():
    with pytest.raises(DataError, match="'keep', 'interpolate', 'drop'"):
        load_co2(missing="zero")


def test_sentiment_has_1000_amazon_then_1000_yelp_sentences_half_positive():
    texts, labels = load_sentiment()
    assert len(texts) == len(labels) == 2000
    assert labels.dtype == np.int64 and set(labels.tolist()) == {0, 1}
    assert int(labels[:1000].sum()) == int(labels[1000:].sum()) == 500
    amazon, _ = load_sentiment("amazon")
    assert texts[:1000] == amazon
    assert all(text and "\t" not in text for text in texts)


def test_sentiment_rejects_imdb_and_says_it_is_not_bundled():
    with pytest.raises(DataError, match="imdb is not bundled"):
        load_sentiment(("amazon", "imdb"))


def test_tiny_shakespeare_has_1115394_characters_of_65_kinds():
    text = load_tiny_shakespeare()
    assert len(text) == 1_115_394
    assert len(set(text)) == 65
    assert text.startswith("First Citizen:\n")


def test_japanese_vowels_has_270_train_and_370_test_series_of_12_features(vowels):
    x_train, y_train, x_test, y_test = vowels
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (270, 270, 370, 370)
    for x in x_train + x_test:
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 12
    assert {len(x) for x in x_train} <= set(range(7, 27))
    assert min(len(x) for x in x_test) == 7 and max(len(x) for x in x_test) == 29


def test_japanese_vowels_has_9_speakers_with_the_documented_counts_per_class(vowels):
    _, y_train, _, y_test = vowels
    assert sorted(Counter(y_train.tolist()).items()) == [(k, 30) for k in range(9)]
    assert [Counter(y_test.tolist())[k] for k in range(9)] == [31, 35, 88, 44, 29, 24, 40, 50,
                                                               29]


def test_japanese_vowels_first_series_matches_the_file_transposed_to_time_first(vowels):
    x0 = vowels[0][0]
    assert x0.shape == (20, 12)
    assert x0[0, 0] == pytest.approx(1.860936) and x0[1, 0] == pytest.approx(1.891651)
    assert x0[0, 1] == pytest.approx(-0.207383)


def test_translation_pairs_has_5575_english_chinese_pairs():
    pairs = load_translation_pairs()
    assert len(pairs) == 5575
    assert pairs[0] == ("Hi.", "嗨。")
    assert all(len(en.split()) <= 10 and zh for en, zh in pairs)


def test_pos_tagged_uses_dev_as_train_and_test_as_test_with_documented_counts(pos):
    train, test = pos
    assert (len(train), len(test)) == (2001, 2077)
    assert sum(map(len, train)) == 25_147 and sum(map(len, test)) == 25_094
    assert {tag for sentence in train + test for _, tag in sentence} == UPOS


def test_pos_tagged_keeps_hashtag_tokens_that_look_like_comments(pos):
    words = [word for sentence in pos[0] for word, _ in sentence]
    assert "#" in words and "#audiobooks" in words


# ------------------------------------------------------------ read_csv_column


def test_csv_column_reads_dates_and_numbers_with_nan_for_empty_cells(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('date,sales,note\n2024-01,1.5,"a, b"\n2024-02,,x\n2024-03,NA,y\n\n')
    dates, values = read_csv_column(path, "sales")
    assert dates == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_array_equal(values, [1.5, np.nan, np.nan])


def test_csv_column_accepts_a_position_and_tab_or_semicolon_delimiters(tmp_path):
    (tmp_path / "t.tsv").write_text("d\tv\n1\t2\n")
    (tmp_path / "s.csv").write_text("d;v\n1;3\n")
    assert read_csv_column(tmp_path / "t.tsv", 1)[1].tolist() == [2.0]
    assert read_csv_column(tmp_path / "s.csv", "v")[1].tolist() == [3.0]


def test_csv_column_on_a_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="Data file not found.*nope.csv") as info:
        read_csv_column(tmp_path / "nope.csv", "x")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, DataError)


def test_csv_column_on_an_unknown_column_lists_the_available_ones(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Date,Passengers\n1949-01,112\n")
    with pytest.raises(DataError, match="got columns 'Date', 'Passengers'.*Did you mean "
                                        "'Passengers'"):
        read_csv_column(path, "passengers")


def test_csv_column_errors_name_the_command_line_flag_and_the_python_argument(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Date,Passengers\n1949-01,112\n")
    with pytest.raises(DataError, match=r"with --column \(column= from Python\)"):
        read_csv_column(path, "sales")
    with pytest.raises(DataError, match=r"position 5 is out of range.*0\.\.1 with --column"):
        read_csv_column(path, 5)


def test_csv_column_on_a_non_numeric_value_gives_its_line_and_value(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("d,v\n1,2\n2,3\n3,abc\n")
    with pytest.raises(DataError, match=r"line 4: column 'v' expected a finite number.*'abc'"):
        read_csv_column(path, "v")


def test_csv_column_hints_at_thousands_separators(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('d,v\n1,"1,234"\n')
    with pytest.raises(DataError, match="line 2.*thousands separators"):
        read_csv_column(path, "v")


@pytest.mark.parametrize("content", ["", "  \n\n"])
def test_csv_column_on_an_empty_file_says_it_is_empty(tmp_path, content):
    path = tmp_path / "s.csv"
    path.write_text(content)
    with pytest.raises(DataError, match="is empty"):
        read_csv_column(path, "v")


def test_csv_column_on_a_header_without_rows_asks_for_data_rows(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("d,v\n")
    with pytest.raises(DataError, match="expected data rows after the header"):
        read_csv_column(path, "v")


def test_csv_column_on_latin1_bytes_gives_the_byte_offset_and_line(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"city,v\nZurich,1\nZ\xfcrich,2\n")
    with pytest.raises(DataError, match=r"byte 0xfc at byte offset 17 \(line 3\).*UTF-8"):
        read_csv_column(path, "v")


def test_read_text_ignores_a_utf8_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffd,v\n1,2\n".encode())
    assert read_text(path) == "d,v\n1,2\n"
    assert read_csv_column(path, "d")[0] == ["1"]


# -------------------------------------------------------- read_labelled_texts


def test_labelled_texts_read_a_headerless_tab_file_split_on_the_last_tab(tmp_path):
    path = tmp_path / "l.txt"
    path.write_bytes(b'He said "hi\tthere.  \t1\r\nBad.\t0\n\n')
    assert read_labelled_texts(path) == (['He said "hi\tthere.', "Bad."], ["1", "0"])


def test_labelled_texts_find_text_and_label_columns_by_header_name(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text('id,Review,Sentiment\n1,"Good, really.",pos\n2,Meh,neg\n')
    assert read_labelled_texts(path) == (["Good, really.", "Meh"], ["pos", "neg"])


def test_labelled_texts_use_the_named_columns_of_a_tsv(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("body\tstars\nok\t3\nbad\t1\n")
    texts, labels = read_labelled_texts(path, text_column="body", label_column="stars")
    assert (texts, labels) == (["ok", "bad"], ["3", "1"])


def test_labelled_texts_on_a_missing_file_raise_a_data_file_not_found(tmp_path):
    with pytest.raises(DataFileNotFoundError):
        read_labelled_texts(tmp_path / "missing.tsv")


def test_labelled_texts_on_an_unknown_column_list_the_available_ones(tmp_path):
    path = tmp_path / "l.tsv"
    path.write_text("body\tstars\nok\t3\n")
    with pytest.raises(DataError, match="'label'.*got columns 'body', 'stars'.*"
                       r"with --label-column \(label_column= from Python\)"):
        read_labelled_texts(path, text_column="body")


def test_labelled_texts_without_a_usable_csv_header_ask_for_column_names(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("a,b\nx,1\n")
    with pytest.raises(DataError, match="with --text-column and --label-column"):
        read_labelled_texts(path)


def test_labelled_texts_on_a_line_without_a_tab_give_its_number(tmp_path):
    path = tmp_path / "l.txt"
    path.write_text("Good.\t1\nno tab here\nBad.\t0\n")
    with pytest.raises(DataError, match=r"line 2: expected 'text<TAB>label', got 'no tab here'"):
        read_labelled_texts(path)


def test_labelled_texts_on_a_short_row_give_its_line_and_field_count(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("text,label\nfine,1\n\nbroken\n")
    with pytest.raises(DataError, match="line 4: expected 2 fields.*got 1"):
        read_labelled_texts(path)


def test_labelled_texts_on_an_empty_file_or_non_utf8_bytes_explain_the_problem(tmp_path):
    empty, latin = tmp_path / "e.txt", tmp_path / "b.txt"
    empty.write_text("")
    latin.write_bytes(b"ok\t1\ncaf\xe9\t0\n")
    with pytest.raises(DataError, match="is empty"):
        read_labelled_texts(empty)
    with pytest.raises(DataError, match=r"byte 0xe9 at byte offset 8 \(line 2\)"):
        read_labelled_texts(latin)


# ------------------------------------------------- pairs, tagged tokens, .ts


def test_sentence_pairs_on_a_line_with_one_sentence_give_its_number(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("Hi.\t嗨。\nalone\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2: expected 'source<TAB>target'"):
        read_sentence_pairs(path)


def test_tagged_sentences_also_read_conllu_skipping_multiword_ranges(tmp_path):
    path = tmp_path / "t.conllu"
    rows = ["1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_", "1\tdo\tdo\tAUX\tVBP\t_\t_\t_\t_\t_",
            "2\tn't\tnot\tPART\tRB\t_\t_\t_\t_\t_"]
    path.write_text("# text = don't\n" + "\n".join(rows) + "\n")
    assert read_tagged_sentences(path) == [[("do", "AUX"), ("n't", "PART")]]


def test_tagged_sentences_on_a_token_without_a_tag_give_its_line(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("Hi\tINTJ\nthere\n")
    with pytest.raises(DataError, match="line 2: expected 'word<TAB>tag'"):
        read_tagged_sentences(path)


def test_ts_reader_on_a_non_numeric_value_gives_line_dimension_and_value(tmp_path):
    path = tmp_path / "x.ts"
    path.write_text("@dimensions 2\n@classLabel true a b\n@data\n1,2:3,4:a\n1,x:3,4:b\n")
    with pytest.raises(DataError, match="line 5, dimension 1: expected a number or '\\?', "
                                        "got 'x'"):
        read_ts(path)


def test_ts_reader_on_a_wrong_dimension_count_or_unknown_label_says_so(tmp_path):
    path = tmp_path / "x.ts"
    path.write_text("@dimensions 2\n@classLabel true a b\n@data\n1,2:a\n")
    with pytest.raises(DataError, match="line 4: expected 2 dimensions.*got 1"):
        read_ts(path)
    path.write_text("@dimensions 1\n@classLabel true a b\n@data\n1,2:c\n")
    with pytest.raises(DataError, match="expected a class label among"):
        read_ts(path)


def test_ts_reader_without_a_data_section_asks_if_it_is_a_ts_file(tmp_path):
    path = tmp_path / "x.ts"
    path.write_text("@dimensions 2\n")
    with pytest.raises(DataError, match="'@data'"):
        read_ts(path)
