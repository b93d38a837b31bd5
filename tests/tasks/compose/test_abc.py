"""The ABC tokenizer: folk-rnn tokens, and ABC -> tokens -> ABC -> the same tokens on every
tune of Ryan's Mammoth Collection."""
import pytest

pytest.importorskip("music21")

from rnnkit.tasks.compose.abc import detokenize, key_token, split_tunes, tokenize  # noqa: E402
from rnnkit.tasks.compose.data import load_tunes  # noqa: E402
from rnnkit.tasks.compose.music import parse  # noqa: E402


def test_notes_carry_their_duration_in_eighths_whatever_the_unit_length():
    assert tokenize("X:1\nM:2/4\nL:1/16\nK:G\nG2A B4|") == ["M:2/4", "K:G", "G", "A", "/2",
                                                            "B", "2", "|"]


def test_broken_rhythm_tuplets_repeats_and_endings_become_tokens():
    tokens = tokenize("X:1\nM:6/8\nL:1/8\nK:D\n|:A>B (3cde|1 f3:|2 g3||")
    assert tokens == ["M:6/8", "K:D", "|:", "A", "3/2", "B", "/2", "(3", "c", "d", "e", "|",
                      "[1", "f", "3", ":|", "[2", "g", "3", "||"]


def test_chord_symbols_decorations_grace_notes_and_slurs_are_dropped():
    tokens = tokenize('X:1\nM:C|\nK:Ador\n"Am"~A{c}B (cd) !trill!e [CEg]2|')
    assert tokens == ["M:C|", "K:Ador", "A", "B", "c", "d", "e", "g", "2", "|"]


def test_a_key_change_inside_the_tune_is_a_key_token():
    assert "K:Dmix" in tokenize("X:1\nM:C\nK:G\nGABc|\nK:D mixolydian\ndefg|")
    assert key_token("E minor") == "K:Em"


def test_a_tune_without_a_key_line_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="K:"):
        tokenize("X:1\nT:no key\nabc|")


def test_split_tunes_keeps_every_tune_of_a_file():
    text = "X:1\nK:G\nGABc|\n\nX:2\nK:D\ndefg|\n"
    assert [tokenize(t)[1] for t in split_tunes(text)] == ["K:G", "K:D"]


def test_every_training_tune_survives_the_round_trip_abc_tokens_abc():
    tunes = load_tunes().tokens
    assert len(tunes) > 1000
    broken = [t[:12] for t in tunes if tokenize(detokenize(t)) != t]
    assert broken == []


def test_music21_reads_the_same_notes_from_the_tokens_abc_as_from_the_source():
    source = "X:1\nM:6/8\nL:1/16\nK:D\n|:A2>B2 c4 d4|e6 (3f2g2a2:|\n"
    a, b = parse(source), parse(detokenize(tokenize(source)))
    notes = [[(n.pitch.midi, float(n.quarterLength)) for n in s.flatten().notes] for s in (a, b)]
    assert notes[0] == notes[1] and len(notes[0]) == 8
