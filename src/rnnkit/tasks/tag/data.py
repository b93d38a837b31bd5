"""The tagged sentences a labelling task trains and scores on: the bundled data with its own
test split, or a user's file (and test file, or a held-out share of its sentences), checked.
ner passes its own reader, bundled data and check."""
from __future__ import annotations

import numpy as np

from ...datasets import DataError, load_pos_tagged, read_tagged_sentences
from ...errors import UserError
from .vocab import Sentence

MIN_SENTENCES = 3                                 # one each for training, validation, test


def load_sentences(path, test_path, test_fraction: float, seed: int, read=None, bundled=None,
                   require=None) -> tuple[list[Sentence], list[Sentence], str]:
    """(training sentences, test sentences, a description of the source), checked.

    The tagger's by default; another labelling task (ner) passes its own file reader,
    bundled data (a loader and its description) and check of a file's sentences."""
    read = read or read_tagged_sentences
    require = require or _require
    if path is None:
        if test_path is not None:
            raise UserError("--test-file goes with your own FILE; the bundled data has its "
                            "own test split. Pass FILE too, or drop --test-file.")
        load, description = bundled or (
            load_pos_tagged, "bundled UD English EWT (dev split to train, test split to score)")
        train, test = load()
        return train, test, description
    train = read(path)
    if test_path is not None:
        test = read(test_path)
        require(train, path, 2, "a training and a validation part")
        return train, test, f"{path} (scored on {test_path})"
    require(train, path, MIN_SENTENCES, "a training, a validation and a test part")
    order = np.random.default_rng(seed).permutation(len(train))
    n_test = min(max(1, round(test_fraction * len(train))), len(train) - 2)
    test = [train[i] for i in sorted(order[:n_test])]
    return [train[i] for i in sorted(order[n_test:])], test, str(path)


def _require(sentences: list[Sentence], path, n: int, parts: str) -> None:
    if len(sentences) < n:
        raise DataError(f"{path}: expected at least {n} tagged sentences ({parts}), got "
                        f"{len(sentences)}. Separate sentences with a blank line, or add "
                        "more.")
    tags = {t for s in sentences for _, t in s}
    if len(tags) < 2:
        raise DataError(f"{path}: expected at least 2 different tags, got only "
                        f"{sorted(tags)[0]!r}. Check that the second column holds the tags.")
