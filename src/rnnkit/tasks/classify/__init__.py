"""`rnnkit classify`: texts or sequences of feature vectors -> a recurrent classifier scored
on held-out data against the strongest simple baseline, saved with everything `predict`
needs.

    rnnkit classify                                      # bundled sentiment sentences
    rnnkit classify reviews.csv --text-column review --label-column stars
    rnnkit classify --dataset japanese_vowels            # (T_i, 12) LPC frames, 9 speakers
    rnnkit classify gestures.ts --test-file gestures_test.ts

    settings.py    TextSettings, SequenceSettings: the flags and their defaults
    text.py        classify_text: the text recipe (and its blend with the bag of words)
    sequences.py   classify_sequences: the recipe for (T_i, F) series
    network.py     the recurrent classifier and its early-stopped fit
    baselines.py   majority class, bag-of-words and summary-statistics regressions, 1-NN
    scores.py      the stratified split, accuracy, macro F1, confusion matrix
    report.py      the run folder and report.html with the verdict
    serve.py       predict() from a saved run
    cli.py         `rnnkit classify`

A run folder holds model/, tokenizer.json (and bag_of_words.json) or scaler.json,
labels.json (class names in index order), task.json, metrics.json, history.csv,
curves.png, confusion.png and report.html.
"""
from .cli import configure_parser, main
from .sequences import classify_sequences
from .serve import predict
from .settings import SequenceSettings, TextSettings
from .text import classify_text

__all__ = ["classify_text", "classify_sequences", "predict", "TextSettings",
           "SequenceSettings", "configure_parser", "main"]
