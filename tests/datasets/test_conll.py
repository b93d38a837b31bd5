"""read_entity_sentences on Universal NER, CoNLL-2003 and BIOES/BILOU files; load_entities."""
import pytest

from rnnkit.datasets import DataError, load_entities, read_entity_sentences


def test_universal_ner_columns_give_the_token_and_its_iob2_tag_not_the_index(tmp_path):
    path = tmp_path / "uner.iob2"
    path.write_text("# sent_id = a-1\n# text = New York #1\n1\tNew\tB-LOC\t-\t-\n"
                    "2\tYork\tI-LOC\t-\tx\n3\t#\tO\t-\t-\n\n1\tHi\tO\t-\t-\n", encoding="utf-8")
    assert read_entity_sentences(path) == [[("New", "B-LOC"), ("York", "I-LOC"), ("#", "O")],
                                           [("Hi", "O")]]


def test_conll2003_takes_the_last_tag_column_and_skips_docstart(tmp_path):
    path = tmp_path / "eng.train"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n"
                    "German JJ B-NP B-MISC\n", encoding="utf-8")
    assert read_entity_sentences(path) == [[("EU", "B-ORG"), ("rejects", "O"),
                                            ("German", "B-MISC")]]


def test_bilou_tags_are_read_as_bioes(tmp_path):
    path = tmp_path / "bilou.tsv"
    path.write_text("Ann\tU-PER\nvisited\tO\nNew\tB-LOC\nYork\tL-LOC\n", encoding="utf-8")
    assert [t for _, t in read_entity_sentences(path)[0]] == ["S-PER", "O", "B-LOC", "E-LOC"]


def test_a_file_without_a_tag_column_says_what_tags_look_like(tmp_path):
    path = tmp_path / "pos.tsv"
    path.write_text("Ann\tPROPN\nran\tVERB\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"expected a column of entity tags \(O, B-PER"):
        read_entity_sentences(path)


def test_a_line_with_a_missing_column_gives_its_number(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("Ann\tB-PER\nran\tO\nfast\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: expected 2 columns"):
        read_entity_sentences(path)


def test_load_entities_trains_on_dev_and_tests_on_test_with_the_documented_counts():
    from seqeval.metrics.sequence_labeling import get_entities
    train, test = load_entities()
    assert (len(train), len(test)) == (2001, 2077)
    assert sum(len(s) for s in train) == 25149
    count = lambda part: sum(len(get_entities([t for _, t in s])) for s in part)  # noqa: E731
    assert (count(train), count(test)) == (966, 1088)
