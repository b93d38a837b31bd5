"""Spans, entity scores (seqeval, conlleval semantics) on hand-counted cases, the gazetteer's
longest match, the type confusion, the tokenizer, the vocabulary and the report's marked
sentences."""
import doctest

import pytest

from rnnkit.tasks.ner import entities, features, report
from rnnkit.tasks.ner.entities import Gazetteer, entity_scores, spans, type_confusion
from rnnkit.tasks.ner.features import EntityVocabulary, encode_sentences


def _sentence(text: str):
    """'Ann/B-PER went/O' -> [('Ann', 'B-PER'), ('went', 'O')]"""
    return [tuple(item.rsplit("/", 1)) for item in text.split()]


def test_an_entity_counts_only_with_both_ends_and_its_type():
    gold = [_sentence("New/B-LOC York/I-LOC and/O Ann/B-PER Lee/I-PER left/O")]
    predicted = [["B-LOC", "O", "O", "B-ORG", "I-ORG", "O"]]       # one end wrong, one type
    s = entity_scores(gold, predicted)
    assert (s["precision"], s["recall"], s["f1"]) == (0.0, 0.0, 0.0)
    s = entity_scores(gold, [["B-LOC", "I-LOC", "O", "B-PER", "O", "O"]])
    assert (s["precision"], s["recall"]) == (0.5, 0.5)
    assert s["per_type"]["LOC"]["f1"] == 1.0 and s["per_type"]["PER"]["f1"] == 0.0


def test_unseen_recall_counts_only_the_entities_missing_from_the_training_strings():
    gold = [_sentence("Ann/B-PER met/O Bob/B-PER")]
    s = entity_scores(gold, [["B-PER", "O", "O"]], known={("Ann",)})
    assert s["unseen_entities"] == 1 and s["unseen_recall"] == 0.0
    s = entity_scores(gold, [["O", "O", "B-PER"]], known={("Ann",)})
    assert s["unseen_recall"] == 1.0 and s["recall"] == 0.5


def test_the_gazetteer_prefers_the_longest_match_and_the_most_frequent_type():
    train = [_sentence("New/B-LOC York/I-LOC"), _sentence("New/B-ORG York/I-ORG Times/I-ORG"),
             _sentence("Paris/B-LOC"), _sentence("Paris/B-PER"), _sentence("Paris/B-LOC")]
    g = Gazetteer(train)
    assert g.tag("I read the New York Times in Paris".split()) == \
        ["O", "O", "O", "B-ORG", "I-ORG", "I-ORG", "O", "B-LOC"]
    assert g.tag(["New", "York"]) == ["B-LOC", "I-LOC"]
    assert g.tag(["paris"]) == ["O"]                                  # case-sensitive


def test_type_confusion_puts_missed_and_spurious_entities_in_the_none_row_and_column():
    gold = [_sentence("Ann/B-PER in/O Rome/B-LOC")]
    cm = type_confusion(gold, [["B-ORG", "B-LOC", "O"]], ["LOC", "ORG", "PER"])
    assert cm == [[0, 0, 0, 1],            # LOC Rome: missed
                  [0, 0, 0, 0],
                  [0, 1, 0, 0],            # PER Ann predicted ORG
                  [1, 0, 0, 0]]            # 'in' predicted LOC: spurious


def test_bioes_tags_give_the_same_spans_as_iob2():
    assert spans(["S-PER", "O", "B-LOC", "E-LOC"]) == spans(["B-PER", "O", "B-LOC", "I-LOC"])


def test_the_vocabulary_round_trips_through_json_and_encodes_unknown_words_by_shape():
    v = EntityVocabulary.fit([_sentence("Ann/B-PER ran/O ./O"), _sentence("ran/O ./O")])
    again = EntityVocabulary.from_json(v.to_json())
    x = encode_sentences([["Zorbland", "ran"], ["."]], again)
    assert x.shape == (2, 2, 1 + features.MAX_CHARS)
    assert again.itos[x[0, 0, 0]] == "<unk:Xx>" and again.itos[x[0, 1, 0]] == "ran"
    assert x[1, 1].tolist() == [0] * (1 + features.MAX_CHARS)         # padding word


def test_long_words_keep_their_first_and_last_characters():
    v = EntityVocabulary.fit([[("abcdefghijklmnopqrstuvwxyz" * 2, "O")] * 2])
    ids = v.encode(["abcdefghijklmnopqrstuvwxyz"])[0, 1:]
    assert "".join(v.chars[i - 2] for i in ids) == "abcdefghijqrstuvwxyz"


@pytest.mark.parametrize("module", [entities, features, report])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
