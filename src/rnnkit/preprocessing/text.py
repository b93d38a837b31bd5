"""Keras's legacy text preprocessing, in pure Python and NumPy (no TensorFlow).

`Tokenizer` turns texts into sequences of word indices, the first step of the text
classification recipe (seed 002):

    >>> tokenizer = Tokenizer(num_words=1000)
    >>> tokenizer.fit_on_texts(["I love deep learning", "Deep learning is fun"])
    >>> tokenizer.texts_to_sequences(["deep learning is deep"])
    [[1, 2, 5, 1]]

The index rule, as in Keras: 0 is reserved for padding; words are ranked by count,
descending, ties kept in order of first appearance; an `oov_token` takes index 1; with
`num_words`, only indices below `num_words` are emitted (the vocabulary keeps every word).
"""

import hashlib
import json
from collections import OrderedDict, defaultdict
from numbers import Integral

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words: lowercase, turn each filtered character into `split`, split.

    >>> text_to_word_sequence("Deep learning, is FUN!")
    ['deep', 'learning', 'is', 'fun']
    >>> text_to_word_sequence("a-b c", filters="", split="-")
    ['a', 'b c']
    """
    if not isinstance(text, str):
        fix = " Decode it first: text.decode('utf-8')." if isinstance(text, bytes) else ""
        raise TypeError(f"text_to_word_sequence expects a str, got {type(text).__name__}.{fix}")
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Map each word to an index in [1, n - 1] by hashing (collisions possible).

    `hash_function` is None (Python's `hash`, salted per process), 'md5' (stable across
    runs) or any callable str -> int.

    >>> hashing_trick("the cat the", n=100, hash_function="md5")
    [51, 3, 51]
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 2:
        raise ValueError(f"hashing_trick expects n to be an int >= 2 (index 0 is reserved), "
                         f"got {n!r}.")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """`hashing_trick` with Python's `hash`: indices in [1, n - 1], not stable across runs."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


def _check_list_of_texts(texts, method):
    """Reject what Keras would silently misread: one str (iterated character by character)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"Tokenizer.{method} expects a list of texts, got a single "
            f"{type(texts).__name__} {texts[:40]!r}. Wrap it in a list: "
            f"tokenizer.{method}([text]) (Keras would treat each character as a text).")
    if not hasattr(texts, "__iter__"):
        raise TypeError(f"Tokenizer.{method} expects a list of str, got "
                        f"{type(texts).__name__}.")


def _check_list_of_sequences(sequences, method):
    """Sequences are an iterable of lists of ints, not a str and not a single int."""
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"Tokenizer.{method} expects a list of sequences (lists of int), "
                        f"got {type(sequences).__name__}.")


def _check_sequence(seq, position, method):
    """A flat list of ints is one sequence: say so instead of failing on `iter(int)`."""
    if isinstance(seq, (str, bytes)) or not hasattr(seq, "__iter__"):
        raise TypeError(
            f"Tokenizer.{method} expects a list of sequences (lists of int), but item "
            f"{position} is {type(seq).__name__} {seq!r}. For one sequence, wrap it in "
            f"a list: tokenizer.{method}([sequence]).")
    return seq


class Tokenizer:
    """Text tokenizer with Keras's legacy API: texts -> word indices -> padded arrays.

    Args:
        num_words: None, or a positive int: only word indices < num_words are emitted by
            texts_to_sequences / matrices (the num_words - 1 most frequent words, one of
            them the oov_token if set). word_index always holds the whole vocabulary.
        filters: characters replaced by `split` before splitting (default: punctuation
            except the apostrophe, plus tab and newline).
        lower: lowercase texts first.
        split: separator between words.
        char_level: every character is a token.
        oov_token: if given, stands at index 1 and replaces unknown or dropped words.
        document_count: number of documents already seen (used when restoring).

    A text can also be a list of str tokens, used as is (only lowercased).

    >>> tokenizer = Tokenizer(oov_token="<OOV>")
    >>> tokenizer.fit_on_texts(["the cat sat", "the dog sat down"])
    >>> tokenizer.word_index
    {'<OOV>': 1, 'the': 2, 'sat': 3, 'cat': 4, 'dog': 5, 'down': 6}
    >>> tokenizer.texts_to_sequences(["the bird sat"])
    [[2, 1, 3]]
    >>> tokenizer.sequences_to_texts([[2, 1, 3]])
    ['the <OOV> sat']
    >>> tokenizer
    Tokenizer(oov_token='<OOV>', document_count=2)
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, document_count=0):
        if num_words is not None and (isinstance(num_words, bool)
                                      or not isinstance(num_words, Integral) or num_words < 1):
            raise ValueError(f"Tokenizer expects num_words to be a positive int or None, got "
                             f"{num_words!r}. Use None to keep every word.")
        if not isinstance(filters, (str, list, tuple)):
            raise TypeError(f"Tokenizer expects filters to be a str of characters, got "
                            f"{type(filters).__name__}. Use '' to filter nothing.")
        if not isinstance(split, str) or not split:
            raise ValueError(f"Tokenizer expects split to be a non-empty str, got {split!r}.")
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"Tokenizer expects oov_token to be a str or None, got "
                            f"{type(oov_token).__name__} {oov_token!r}.")
        if (isinstance(document_count, bool) or not isinstance(document_count, Integral)
                or document_count < 0):
            raise ValueError(f"Tokenizer expects document_count to be an int >= 0, got "
                             f"{document_count!r}.")
        self.num_words = None if num_words is None else int(num_words)
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.document_count = int(document_count)
        self.word_counts = OrderedDict()     # word -> count, in order of first appearance
        self.word_docs = defaultdict(int)    # word -> number of documents containing it
        self.index_docs = defaultdict(int)   # index -> number of documents containing it
        self.word_index = {}                 # word -> index, 1-based
        self.index_word = {}                 # index -> word

    def __repr__(self):
        defaults = {"num_words": None, "filters": DEFAULT_FILTERS, "lower": True, "split": " ",
                    "char_level": False, "oov_token": None, "document_count": 0}
        args = [f"{name}={getattr(self, name)!r}" for name, default in defaults.items()
                if getattr(self, name) != default]
        return f"Tokenizer({', '.join(args)})"

    # -- fitting -----------------------------------------------------------------------

    def _tokens(self, text, position, method):
        """One text -> its list of tokens (a list of str is taken as tokens already)."""
        if isinstance(text, (list, tuple)):
            if not all(isinstance(token, str) for token in text):
                raise TypeError(f"Tokenizer.{method}: text {position} is a list, so it must "
                                f"hold str tokens; got {text!r}.")
            return [token.lower() for token in text] if self.lower else list(text)
        if not isinstance(text, str):
            fix = " Decode it first: text.decode('utf-8')." if isinstance(text, bytes) else ""
            raise TypeError(f"Tokenizer.{method} expects a list of str, but item {position} "
                            f"is {type(text).__name__} {text!r}.{fix}")
        if self.char_level:
            return list(text.lower() if self.lower else text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count words in `texts` (a list or generator of str) and rebuild the word index.

        Can be called several times: counts accumulate, and the index is rebuilt each time.
        """
        _check_list_of_texts(texts, "fit_on_texts")
        for position, text in enumerate(texts):
            tokens = self._tokens(text, position, "fit_on_texts")
            self.document_count += 1
            for word in tokens:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(tokens):
                self.word_docs[word] += 1
        self._build_index()

    def _build_index(self):
        # Rank by count, descending; sorted() is stable, so ties keep first-appearance order.
        ranked = sorted(self.word_counts, key=self.word_counts.__getitem__, reverse=True)
        vocabulary = ([self.oov_token] if self.oov_token is not None else []) + ranked
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}
        for word, docs in self.word_docs.items():
            self.index_docs[self.word_index[word]] = docs

    def fit_on_sequences(self, sequences):
        """Count document frequencies of indices, for sequences_to_matrix(mode='tfidf')."""
        _check_list_of_sequences(sequences, "fit_on_sequences")
        sequences = [_check_sequence(seq, i, "fit_on_sequences")
                     for i, seq in enumerate(sequences)]
        self.document_count += len(sequences)
        for seq in sequences:
            for index in set(seq):
                self.index_docs[index] += 1

    # -- texts -> sequences -> texts ---------------------------------------------------

    def _check_fitted(self, method):
        if not self.word_index and self.document_count == 0:
            raise ValueError(f"Tokenizer.{method} needs a vocabulary, but this tokenizer was "
                             "never fitted. Call tokenizer.fit_on_texts(texts) first.")

    def _keeps(self, index):
        return self.num_words is None or index < self.num_words

    def texts_to_sequences(self, texts):
        """Each text -> list of word indices; unknown and dropped words become the oov index
        or vanish if there is no oov_token."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Lazy texts_to_sequences: yields one list of indices per text."""
        _check_list_of_texts(texts, "texts_to_sequences")
        self._check_fitted("texts_to_sequences")
        return self._sequences_from(texts)

    def _sequences_from(self, texts):
        oov_index = self.word_index.get(self.oov_token)
        for position, text in enumerate(texts):
            sequence = []
            for word in self._tokens(text, position, "texts_to_sequences"):
                index = self.word_index.get(word)
                if index is not None and self._keeps(index):
                    sequence.append(index)
                elif oov_index is not None:
                    sequence.append(oov_index)
            yield sequence

    def sequences_to_texts(self, sequences):
        """Each list of indices -> str of words joined by spaces (inverse of
        texts_to_sequences up to filtering, case and dropped words)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Lazy sequences_to_texts: yields one str per sequence."""
        _check_list_of_sequences(sequences, "sequences_to_texts")
        self._check_fitted("sequences_to_texts")
        return self._texts_from(sequences)

    def _texts_from(self, sequences):
        oov_index = self.word_index.get(self.oov_token)
        for position, seq in enumerate(sequences):
            words = []
            for index in _check_sequence(seq, position, "sequences_to_texts"):
                word = self.index_word.get(index)
                if word is not None and self._keeps(index):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    # -- matrices ----------------------------------------------------------------------

    def texts_to_matrix(self, texts, mode="binary"):
        """Texts -> (len(texts), num_words) float array; see sequences_to_matrix."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Sequences -> (len(sequences), num_words) float64 array, one row per sequence.

        Column j scores index j (column 0, padding, stays 0); indices >= num_words are
        ignored. Without num_words the width is len(word_index) + 1. Modes, for a word
        occurring c times in a sequence of length n:
        binary 1; count c; freq c / n; tfidf (1 + log c) * log(1 + N / (1 + docs_j)),
        N = document_count, docs_j = index_docs[j].

        >>> Tokenizer(num_words=4).sequences_to_matrix([[1, 1, 3, 9], []], mode="count")
        array([[0., 2., 0., 1.],
               [0., 0., 0., 0.]])
        """
        if mode not in MATRIX_MODES:
            raise ValueError(f"Unknown vectorization mode {mode!r}. "
                             f"Available: {', '.join(MATRIX_MODES)}.")
        _check_list_of_sequences(sequences, "sequences_to_matrix")
        sequences = [list(_check_sequence(seq, i, "sequences_to_matrix"))
                     for i, seq in enumerate(sequences)]
        if self.num_words is not None:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("sequences_to_matrix needs a width: pass Tokenizer(num_words=...) "
                             "or call fit_on_texts first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("mode='tfidf' needs document frequencies: call fit_on_texts or "
                             "fit_on_sequences first.")
        x = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            counts = defaultdict(int)
            for j in seq:
                if j < 0:
                    raise ValueError(f"sequences_to_matrix: sequence {row} holds the negative "
                                     f"index {j}; word indices are >= 0.")
                if j < width:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "binary":
                    x[row, j] = 1.0
                elif mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(seq)
                else:  # tfidf, weighting scheme 2 of Wikipedia's tf-idf article
                    tf = 1.0 + np.log(c)
                    idf = np.log(1.0 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = tf * idf
        return x

    # -- serialization -----------------------------------------------------------------

    def get_config(self):
        """Keras's config: the arguments, plus the vocabularies as JSON strings."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """JSON string {"class_name": "Tokenizer", "config": ...}, read by
        tokenizer_from_json (and by Keras's). kwargs go to json.dumps."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


_VOCABULARY_KEYS = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")
_ARGUMENT_KEYS = ("num_words", "filters", "lower", "split", "char_level", "oov_token",
                  "document_count")


def tokenizer_from_json(json_string):
    """Rebuild a Tokenizer from Tokenizer.to_json() (or Keras's tokenizer.to_json()).

    >>> tokenizer = Tokenizer()
    >>> tokenizer.fit_on_texts(["b a b"])
    >>> tokenizer_from_json(tokenizer.to_json()).word_index
    {'b': 1, 'a': 2}
    """
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"tokenizer_from_json expects the str from tokenizer.to_json(), got "
                        f"{type(json_string).__name__}.")
    document = json.loads(json_string)
    if not isinstance(document, dict) or document.get("class_name") != "Tokenizer":
        found = document.get("class_name") if isinstance(document, dict) else document
        raise ValueError(f"tokenizer_from_json expects JSON with class_name 'Tokenizer', "
                         f"got {found!r}. Pass the output of tokenizer.to_json().")
    config = dict(document.get("config", {}))
    unknown = sorted(set(config) - set(_VOCABULARY_KEYS) - set(_ARGUMENT_KEYS))
    if unknown:
        raise ValueError(f"tokenizer_from_json: unknown config keys {unknown}. "
                         f"Expected keys among {sorted(_VOCABULARY_KEYS + _ARGUMENT_KEYS)}.")
    vocab = {key: json.loads(config.pop(key, "{}")) for key in _VOCABULARY_KEYS}
    tokenizer = Tokenizer(**config)
    # JSON turns int keys into str; restore them, and the container types fit_on_texts uses.
    tokenizer.word_counts = OrderedDict(vocab["word_counts"])
    tokenizer.word_docs = defaultdict(int, vocab["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in vocab["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in vocab["index_word"].items()}
    tokenizer.word_index = dict(vocab["word_index"])
    return tokenizer
