"""`rnnkit tag`: part-of-speech tagging with a BiLSTM, scored against the most frequent tag
of each word.

    >>> from rnnkit.tasks.tag import tag, predict
    >>> run = tag(quick=True, out="runs/pos")                     # doctest: +SKIP
    >>> predict(run["out"], "I saw her duck")                     # doctest: +SKIP
    [('I', 'PRON'), ('saw', 'VERB'), ('her', 'PRON'), ('duck', 'NOUN')]

    settings.py   TagSettings (and LabellingSettings, which ner extends): flags and defaults
    vocab.py      words -> ids, with shape-and-suffix signatures for rare and unknown words
    data.py       the bundled data or a user's file, split and checked
    recipe.py     the model, training and scoring: tag()
    scores.py     token accuracy (known / unknown words) and the most-frequent-tag baseline
    report.py     the run folder: plots and report.html
    tokens.py     a raw sentence -> the treebank's words and punctuation
    serve.py      predict() from a saved run
    cli.py        `rnnkit tag`
"""
from .cli import configure_parser, main
from .recipe import tag, tag_sentences
from .scores import most_frequent_tag_baseline, tag_scores
from .serve import predict
from .settings import LabellingSettings, TagSettings
from .tokens import tokenize
from .vocab import OOV, PAD, Vocabulary, encode, word_signature

__all__ = ["tag", "predict", "tag_sentences", "tokenize", "Vocabulary", "encode",
           "word_signature", "most_frequent_tag_baseline", "tag_scores", "TagSettings",
           "LabellingSettings", "OOV", "PAD", "configure_parser", "main"]
