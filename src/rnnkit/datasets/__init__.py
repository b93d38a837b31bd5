"""Real datasets bundled with rnnkit, and readers for your own data files.

Bundled (offline, with origin and licence in each folder's SOURCE.md):

    >>> from rnnkit import datasets
    >>> dates, passengers = datasets.load_airline_passengers()
    >>> texts, labels = datasets.load_sentiment()
    >>> len(passengers), len(texts)
    (144, 2000)

Your own files: `read_csv_column`, `read_labelled_texts`, `read_sentence_pairs`,
`read_tagged_sentences`, `read_entity_sentences`, `read_ts`, `read_text`. Every data problem raises `DataError`
(a ValueError), whose message says what was expected, what was found and how to fix it.
"""

from .conll import read_entity_sentences
from ..errors import DataError, DataFileNotFoundError
from .loaders import (
                      DATASETS,
                      dataset_path,
                      load_airline_passengers,
                      load_co2,
                      load_entities,
                      load_japanese_vowels,
                      load_pos_tagged,
                      load_seattle_weather,
                      load_stock_prices,
                      load_sentiment,
                      load_tiny_shakespeare,
                      load_translation_pairs,
)
from .readers import (
                      read_csv_column,
                      read_labelled_texts,
                      read_sentence_pairs,
                      read_tagged_sentences,
                      read_text,
)
from .spoken_digits import SpokenDigits, load_spoken_digits
from .ts_format import read_ts

__all__ = [
    "DATASETS",
    "DataError",
    "DataFileNotFoundError",
    "SpokenDigits",
    "dataset_path",
    "load_airline_passengers",
    "load_co2",
    "load_entities",
    "load_japanese_vowels",
    "load_pos_tagged",
    "load_seattle_weather",
    "load_stock_prices",
    "load_sentiment",
    "load_spoken_digits",
    "load_tiny_shakespeare",
    "load_translation_pairs",
    "read_csv_column",
    "read_entity_sentences",
    "read_labelled_texts",
    "read_sentence_pairs",
    "read_tagged_sentences",
    "read_text",
    "read_ts",
]
