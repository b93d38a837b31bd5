"""Loaders for the real datasets bundled with rnnkit, read offline from the package.

Each dataset lives in `rnnkit/datasets/data/<name>/` beside its SOURCE.md (origin, citation,
licence, format, record counts). Loaders return plain NumPy / Python values; nothing is
downloaded, cached or pickled.

    >>> sorted(DATASETS)[:3]
    ['airline_passengers', 'cmn_eng_pairs', 'co2_mauna_loa']
    >>> DATASETS["airline_passengers"]["loader"]
    'load_airline_passengers'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from .conll import read_entity_sentences
from ..errors import DataError
from .readers import (
    read_csv_column,
    read_labelled_texts,
    read_sentence_pairs,
    read_tagged_sentences,
    read_text,
)
from .ts_format import read_ts

__all__ = [
    "DATASETS",
    "dataset_path",
    "load_airline_passengers",
    "load_co2",
    "load_entities",
    "load_japanese_vowels",
    "load_pos_tagged",
    "load_seattle_weather",
    "load_stock_prices",
    "load_sentiment",
    "load_tiny_shakespeare",
    "load_translation_pairs",
]

# name -> one-line description, licence, and the loader that reads it (for `rnnkit info`).
DATASETS: dict[str, dict[str, str]] = {
    "airline_passengers": {
        "description": "Monthly airline passengers 1949-1960 (thousands), 144 values",
        "licence": "public-domain facts; cite Box & Jenkins (1976) Series G",
        "loader": "load_airline_passengers",
    },
    "co2_mauna_loa": {
        "description": "Weekly CO2 at Mauna Loa 1958-2001 (ppmv), 2,284 weeks, 59 missing",
        "licence": "public domain (Keeling & Whorf 2004, via statsmodels)",
        "loader": "load_co2",
    },
    "seattle_weather": {
        "description": "Seattle daily weather 2012-2015 (precipitation, temp_max, temp_min, "
                       "wind, weather), 1,461 days; hourly temperature 2010, 8,759 hours",
        "licence": "public domain (NOAA), via vega_datasets (MIT)",
        "loader": "load_seattle_weather",
    },
    "stock_prices": {
        "description": "Monthly closing prices of MSFT, AMZN, IBM, GOOG, AAPL 2000-2010, "
                       "559 rows with a symbol column",
        "licence": "historical facts, via vega_datasets (MIT)",
        "loader": "load_stock_prices",
    },
    "sentiment_sentences": {
        "description": "Amazon and Yelp review sentences labelled 0/1, 2 x 1,000",
        "licence": "CC BY 4.0 (UCI); cite Kotzias et al. (2015)",
        "loader": "load_sentiment",
    },
    "tiny_shakespeare": {
        "description": "Tiny Shakespeare corpus for character models, 1,115,394 characters",
        "licence": "public-domain text (karpathy/char-rnn, MIT)",
        "loader": "load_tiny_shakespeare",
    },
    "japanese_vowels": {
        "description": "Japanese Vowels speakers, 270 + 370 series of 12 LPC cepstra, 9 classes",
        "licence": "CC BY 4.0 (UCI); cite Kudo, Toyama & Shimbo (1999)",
        "loader": "load_japanese_vowels",
    },
    "cmn_eng_pairs": {
        "description": "English-Chinese sentence pairs from Tatoeba, 5,575 pairs",
        "licence": "CC BY 2.0 FR (Tatoeba; attribution per line in the file)",
        "loader": "load_translation_pairs",
    },
    "ud_english_ewt_pos": {
        "description": "UD English EWT v2.16 dev + test with UPOS tags, 4,078 sentences",
        "licence": "CC BY-SA 4.0 (share-alike; Silveira et al. 2014)",
        "loader": "load_pos_tagged",
    },
    "uner_english_ewt": {
        "description": "Universal NER over UD English EWT dev + test, IOB2 PER/ORG/LOC, "
                       "4,078 sentences",
        "licence": "CC BY-SA 4.0 (share-alike; Mayhew et al. 2024)",
        "loader": "load_entities",
    },
    "free_spoken_digits": {
        "description": "Free Spoken Digit Dataset: 3,000 recordings of 0-9, 6 speakers, 8 kHz",
        "licence": "CC BY-SA 4.0 (share-alike; Zohar Jackson et al.)",
        "loader": "load_spoken_digits",
    },
}

SENTIMENT_FILES = {"amazon": "amazon_cells_labelled.txt", "yelp": "yelp_labelled.txt"}
CO2_MISSING_POLICIES = ("keep", "interpolate", "drop")


def dataset_path(name: str) -> Path:
    """The folder of a bundled dataset (its data files and SOURCE.md).

    >>> sorted(p.name for p in dataset_path("airline_passengers").iterdir())
    ['SOURCE.md', 'airline_passengers.csv']
    """
    if name not in DATASETS:
        raise DataError(f"Unknown dataset {name!r}. Available: {', '.join(sorted(DATASETS))}. "
                        "Pass one of these names.")
    return Path(str(resources.files("rnnkit.datasets") / "data" / name))


def load_airline_passengers() -> tuple[list[str], np.ndarray]:
    """Box & Jenkins monthly international airline passengers, in thousands.

    Returns (dates, values): 144 months 'YYYY-MM' from '1949-01' to '1960-12' and a
    float64 array with no missing values.

    >>> dates, values = load_airline_passengers()
    >>> len(values), dates[0], dates[-1], values[:3]
    (144, '1949-01', '1960-12', array([112., 118., 132.]))
    """
    return read_csv_column(dataset_path("airline_passengers") / "airline_passengers.csv",
                           "Passengers")


def load_co2(missing: str = "keep") -> tuple[list[str], np.ndarray]:
    """Weekly atmospheric CO2 at Mauna Loa (ppmv), 1958-03-29 to 2001-12-29.

    Returns (dates, values) with dates as 'YYYY-MM-DD' (Saturdays). 59 of the 2,284 weeks
    have no measurement. The policy for them is explicit:

    - 'keep' (default): missing weeks stay in place as NaN; fill them before training;
    - 'interpolate': linear interpolation between the neighbouring measured weeks (the
      weeks are evenly spaced, so this is linear in time); all 2,284 weeks are kept;
    - 'drop': missing weeks are removed with their dates (2,225 weeks remain; the series
      then has gaps in time).

    >>> dates, values = load_co2()
    >>> len(values), int(np.isnan(values).sum()), dates[0]
    (2284, 59, '1958-03-29')
    >>> len(load_co2(missing="drop")[1])
    2225
    """
    if missing not in CO2_MISSING_POLICIES:
        raise DataError(f"Unknown missing-value policy {missing!r} for load_co2. Expected one "
                        f"of {', '.join(map(repr, CO2_MISSING_POLICIES))}.")
    raw_dates, values = read_csv_column(dataset_path("co2_mauna_loa") / "co2_weekly.csv", "co2")
    dates = [f"{d[:4]}-{d[4:6]}-{d[6:8]}" for d in raw_dates]            # YYYYMMDD -> ISO
    if missing == "interpolate":
        from rnnkit.preprocessing.timeseries import fill_missing  # late: avoids a cycle
        values = fill_missing(values, policy="interpolate")
    elif missing == "drop":
        present = ~np.isnan(values)
        dates = [d for d, keep in zip(dates, present, strict=True) if keep]
        values = values[present]
    return dates, values


WEATHER_COLUMNS = ("precipitation", "temp_max", "temp_min", "wind")


def load_seattle_weather(hourly: bool = False) -> tuple[list[str], dict[str, np.ndarray]]:
    """Seattle weather from NOAA: (dates, {column: values}).

    Daily (default): 1,461 days 'YYYY/MM/DD' from 2012/01/01, columns precipitation (mm),
    temp_max and temp_min (deg C), wind (m/s). hourly=True: 8,759 hours of 2010, column
    temp (deg F), labels 'YYYY/MM/DD HH:MM'.

    >>> dates, columns = load_seattle_weather()
    >>> len(dates), dates[0], sorted(columns), float(columns["temp_max"][0])
    (1461, '2012/01/01', ['precipitation', 'temp_max', 'temp_min', 'wind'], 12.8)
    >>> len(load_seattle_weather(hourly=True)[1]["temp"])
    8759
    """
    folder = dataset_path("seattle_weather")
    if hourly:
        dates, temp = read_csv_column(folder / "seattle-temps-hourly-2010.csv", "temp")
        return dates, {"temp": temp}
    path = folder / "seattle-weather.csv"
    columns = {name: read_csv_column(path, name) for name in WEATHER_COLUMNS}
    return columns["temp_max"][0], {name: v for name, (_, v) in columns.items()}


def load_stock_prices() -> dict[str, tuple[list[str], np.ndarray]]:
    """Monthly closing prices, one series per symbol: {symbol: (dates, prices)}.

    >>> stocks = load_stock_prices()
    >>> sorted(stocks), stocks["MSFT"][0][0], len(stocks["GOOG"][1])
    (['AAPL', 'AMZN', 'GOOG', 'IBM', 'MSFT'], 'Jan 1 2000', 68)
    """
    import csv
    text = read_text(dataset_path("stock_prices") / "stocks.csv")
    out: dict[str, tuple[list[str], list[float]]] = {}
    for row in csv.DictReader(text.splitlines()):
        dates, prices = out.setdefault(row["symbol"], ([], []))
        dates.append(row["date"])
        prices.append(float(row["price"]))
    return {k: (d, np.array(p)) for k, (d, p) in out.items()}


def load_sentiment(sources: tuple[str, ...] | str = ("amazon", "yelp")
                   ) -> tuple[list[str], np.ndarray]:
    """UCI Sentiment Labelled Sentences: review sentences with 1 = positive, 0 = negative.

    `sources` picks the files, in the order given: 'amazon' (cell phones) and/or 'yelp'
    (restaurants), 1,000 sentences each, 500 of each label. Returns (texts, labels) with
    labels an int64 array. (The imdb file of the original dataset is not bundled.)

    >>> texts, labels = load_sentiment("amazon")
    >>> len(texts), int(labels.sum()), texts[1], int(labels[1])
    (1000, 500, 'Good case, Excellent value.', 1)
    """
    if isinstance(sources, str):
        sources = (sources,)
    unknown = [s for s in sources if s not in SENTIMENT_FILES]
    if unknown or not sources:
        raise DataError(f"Unknown sentiment source(s) {unknown or list(sources)}. Expected one "
                        f"or more of {', '.join(map(repr, SENTIMENT_FILES))} (imdb is not "
                        "bundled; read your own copy with read_labelled_texts).")
    texts: list[str] = []
    labels: list[str] = []
    for source in sources:
        path = dataset_path("sentiment_sentences") / SENTIMENT_FILES[source]
        source_texts, source_labels = read_labelled_texts(path)
        texts += source_texts
        labels += source_labels
    return texts, np.array([int(label) for label in labels], dtype=np.int64)


def load_tiny_shakespeare() -> str:
    """Karpathy's Tiny Shakespeare as one string of 1,115,394 characters (65 distinct).

    >>> text = load_tiny_shakespeare()
    >>> len(text), text[:14]
    (1115394, 'First Citizen:')
    """
    return read_text(dataset_path("tiny_shakespeare") / "input.txt")


def load_japanese_vowels() -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray], np.ndarray]:
    """UCI Japanese Vowels: which of 9 speakers uttered /ae/, from 12 LPC cepstra per frame.

    Returns (x_train, y_train, x_test, y_test), the official split: 270 training and 370
    test series. Each x is a float32 array (T_i, 12) with T_i between 7 and 29 frames;
    labels are int64 0..8 (speaker 1..9 in the file minus one).

    >>> x_train, y_train, x_test, y_test = load_japanese_vowels()
    >>> len(x_train), len(x_test), x_train[0].shape, int(y_train.max())
    (270, 370, (20, 12), 8)
    """
    folder = dataset_path("japanese_vowels")
    x_train, y_train = _read_ts_with_class_ids(folder / "JapaneseVowels_TRAIN.ts")
    x_test, y_test = _read_ts_with_class_ids(folder / "JapaneseVowels_TEST.ts")
    return x_train, y_train, x_test, y_test


def load_translation_pairs() -> list[tuple[str, str]]:
    """5,575 English-Chinese sentence pairs (Tatoeba, via manythings.org), as (en, zh).

    The file's third column, the per-pair CC BY attribution, is not returned; keep the
    file (with SOURCE.md) when you redistribute the data.

    >>> pairs = load_translation_pairs()
    >>> len(pairs), pairs[0]
    (5575, ('Hi.', '嗨。'))
    """
    return read_sentence_pairs(dataset_path("cmn_eng_pairs") / "cmn_eng_subset.tsv")


def load_pos_tagged() -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    """UD English EWT v2.16 sentences as lists of (word, UPOS) pairs: (train, test).

    Only UD's dev and test splits are bundled: `train` is the dev split (2,001 sentences,
    25,147 tokens) and `test` the test split (2,077 sentences, 25,094 tokens). Tags are
    the 17 Universal POS tags. Licence CC BY-SA 4.0 (share-alike).

    >>> train, test = load_pos_tagged()
    >>> len(train), len(test), train[0][:3]
    (2001, 2077, [('From', 'ADP'), ('the', 'DET'), ('AP', 'PROPN')])
    """
    folder = dataset_path("ud_english_ewt_pos")
    return (read_tagged_sentences(folder / "en_ewt-dev.pos.tsv"),
            read_tagged_sentences(folder / "en_ewt-test.pos.tsv"))


def load_entities() -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    """Universal NER over UD English EWT: sentences as (word, IOB2 tag) pairs, (train, test).

    As for the POS data, only the dev and test splits are bundled: `train` is the dev split
    (2,001 sentences, 966 entities) and `test` the test split (2,077 sentences, 1,088
    entities); types PER, ORG, LOC. Licence CC BY-SA 4.0 (share-alike).

    >>> train, test = load_entities()
    >>> len(train), len(test), train[0][5:8]
    (2001, 2077, [('in', 'O'), ('tampa', 'B-LOC'), ('bay', 'I-LOC')])
    """
    folder = dataset_path("uner_english_ewt")
    return (read_entity_sentences(folder / "en_ewt-ud-dev.iob2"),
            read_entity_sentences(folder / "en_ewt-ud-test.iob2"))


def _read_ts_with_class_ids(path: Path) -> tuple[list[np.ndarray], np.ndarray]:
    series, labels, classes = read_ts(path)
    return series, np.array([classes.index(label) for label in labels], dtype=np.int64)
