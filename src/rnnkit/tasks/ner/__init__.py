"""Named entities: a BiLSTM-CRF with character features, scored by entity F1 against a
gazetteer of the training entities.

    >>> from rnnkit.tasks.ner import ner, predict
    >>> run = ner(quick=True, out="runs/ner")                          # doctest: +SKIP
    >>> predict(run["out"], "Barack Obama visited Paris .")            # doctest: +SKIP
    [('Barack Obama', 'PER'), ('Paris', 'LOC')]

    features.py   words -> word ids (with shape signatures) and character ids
    entities.py   tags -> spans, seqeval scores, the gazetteer baseline
    settings.py   NerSettings: the flags and their defaults (extends tag's LabellingSettings)
    recipe.py     the model, training and scoring: ner()
    report.py     the run folder: plots and report.html
    serve.py      predict() from a saved run
    command.py    `rnnkit ner`
"""
from .command import configure_parser, main
from .recipe import ner
from .serve import predict
from .settings import NerSettings

__all__ = ["ner", "predict", "NerSettings", "configure_parser", "main"]
