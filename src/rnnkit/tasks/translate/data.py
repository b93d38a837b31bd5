"""The data of `rnnkit translate`: tokens, vocabularies, the split, the baseline.

    tokenize / detokenize    characters, or words with punctuation and clitics split off,
                             and back, with the spaces and capitals English puts there
    read_pairs, split        sentence pairs from the bundled file or a user's, cut 80/10/10
    retrieval_baseline       the target of the most similar training source

Shapes: N pairs, S source tokens, T target tokens (+1 for BOS / EOS).
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import torch

from ...datasets import DataError, load_translation_pairs, read_sentence_pairs
from ...errors import UserError
from ...models.seq2seq import BOS, EOS, PAD, SPECIALS, UNK

SPLIT_SEED = 0                    # one fixed split: every seed is scored on the same test set
FRACTIONS = (0.8, 0.1, 0.1)       # training, validation, test

# -- tokens ---------------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+|'[^\W_]+|\S")          # words, clitics ('s, 't), each symbol
NO_SPACE_BEFORE = set(".,!?;:%)]}…")
NO_SPACE_AFTER = set("([{$#")
JOINERS = {"-", "/"}
SENTENCE_START = re.compile(r'(?:^|[.!?]"? +)"?[a-z]')    # capitalised after detokenizing


def tokenize(text: str, unit: str) -> list[str]:
    """Characters (spaces dropped), or words with punctuation and clitics split off.

    >>> tokenize("Tom's here, isn't he?", "word")
    ['Tom', "'s", 'here', ',', 'isn', "'t", 'he', '?']
    >>> tokenize("我们走吧。", "char")
    ['我', '们', '走', '吧', '。']
    """
    if unit == "char":
        return [ch for ch in text if not ch.isspace()]
    return WORD.findall(text)


def detokenize(tokens: list[str], unit: str, truecase: dict[str, str] | None = None) -> str:
    """The inverse of tokenize: spaces back where English puts them, capitals from truecase.

    >>> detokenize(["i", "'m", "tom", "'s", "e", "-", "mail", "."], "word",
    ...            {"i": "I", "tom": "Tom"})
    "I'm Tom's e-mail."
    >>> detokenize(["我", "们"], "char")
    '我们'
    """
    if unit == "char":
        return "".join(tokens)
    truecase = truecase or {}
    out, quote_open, glue = [], False, True
    for k, tok in enumerate(tokens):
        word = truecase.get(tok, tok)
        if tok == '"':
            quote_open = not quote_open
            space = quote_open and not glue
            glue = quote_open
        else:
            space = not glue and not (tok in NO_SPACE_BEFORE or tok in JOINERS
                                      or (tok.startswith("'") and len(tok) > 1))
            glue = tok in NO_SPACE_AFTER or tok in JOINERS or (    # 10,000 and 7:45
                tok in ",:" and 0 < k < len(tokens) - 1 and tokens[k - 1].isdigit()
                and tokens[k + 1].isdigit() and (tok == ":" or len(tokens[k + 1]) == 3))
        out.append((" " if space else "") + word)
    return SENTENCE_START.sub(lambda m: m.group(0).upper(), "".join(out))


def guess_unit(sentences: list[str]) -> str:
    """'char' when most sentences have no space (Chinese, Japanese), else 'word'."""
    spaced = sum(" " in s.strip() for s in sentences)
    return "word" if spaced > len(sentences) / 2 else "char"


def learn_truecase(sentences: list[str]) -> dict[str, str]:
    """lower-cased word -> its most frequent spelling away from the sentence start.

    >>> sorted(learn_truecase(["I met Tom.", "Tom and I left."]).items())
    [('i', 'I'), ('tom', 'Tom')]
    """
    seen: dict[str, Counter] = defaultdict(Counter)
    for s in sentences:
        for tok in tokenize(s, "word")[1:]:
            seen[tok.lower()][tok] += 1
    return {w: c.most_common(1)[0][0] for w, c in seen.items() if c.most_common(1)[0][0] != w}


def build_vocab(token_lists: list[list[str]], min_count: int = 1) -> list[str]:
    """SPECIALS, then tokens seen at least min_count times, most frequent first."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    return list(SPECIALS) + [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                             if n >= min_count]


def encode(tokens: list[str], index: dict[str, int]) -> list[int]:
    return [index.get(t, UNK) for t in tokens]


# -- data -----------------------------------------------------------------------------------

@dataclass
class Side:
    """One language of the pairs: its sentences, how they are split and the vocabulary."""

    sentences: list[str]
    unit: str
    tokens: list[list[str]]

    def padded(self, rows: np.ndarray, index: dict[str, int], bos_eos: bool = False):
        """Ids of the chosen rows, post-padded: (N, S), or (N, T+1) inputs and outputs."""
        seqs = [encode(self.tokens[i], index) for i in rows]
        if not bos_eos:
            return _pad(seqs)
        return _pad([[BOS] + s for s in seqs]), _pad([s + [EOS] for s in seqs])


def _pad(seqs: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(seqs), max(1, max(map(len, seqs), default=1))), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = torch.tensor(s, dtype=torch.long)
    return out


def read_pairs(path, from_column: int) -> tuple[list[str], list[str], str]:
    """(sources, targets, a description): the bundled Chinese->English pairs or a file."""
    if from_column not in (1, 2):
        raise UserError(f"from_column must be 1 or 2 (the column to translate from), got "
                        f"{from_column!r}.")
    if path is None:
        pairs, source = load_translation_pairs(), "bundled Tatoeba Chinese-English pairs"
    else:
        layout = "target<TAB>source" if from_column == 2 else "source<TAB>target"
        pairs, source = read_sentence_pairs(path, layout), str(path)   # DataError if unusable
    first, second = [p[0] for p in pairs], [p[1] for p in pairs]
    src, tgt = (second, first) if from_column == 2 else (first, second)
    if len(pairs) < 20:
        raise DataError(f"{source} has {len(pairs)} sentence pairs; expected at least 20 to "
                        "hold out validation and test pairs (thousands to learn). Add pairs.")
    return src, tgt, source


def split(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training, validation and test rows: a fixed shuffle cut 80/10/10."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_val, n_test = max(1, round(n * FRACTIONS[1])), max(1, round(n * FRACTIONS[2]))
    return order[n_val + n_test:], order[:n_val], order[n_val:n_val + n_test]


# -- the retrieval baseline -----------------------------------------------------------------

def ngrams(text: str, n_max: int = 2) -> Counter:
    """Character 1..n_max-grams of a sentence, spaces dropped."""
    s = "".join(text.split())
    return Counter(s[i:i + n] for n in range(1, n_max + 1) for i in range(len(s) - n + 1))


def retrieval_baseline(train_src: list[str], train_tgt: list[str],
                       queries: list[str]) -> list[str]:
    """For each query, the target of the training pair whose source is most alike.

    Alike: cosine of TF-IDF weighted character 1- and 2-gram counts, looked up through an
    inverted index (n-gram -> the training sentences holding it). Ties: the first pair.
    """
    grams = [ngrams(s) for s in train_src]
    df = Counter(g for c in grams for g in c)
    idf = {g: math.log(len(grams) / n) + 1.0 for g, n in df.items()}
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, c in enumerate(grams):
        w = {g: n * idf[g] for g, n in c.items()}
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        for g, v in w.items():
            index[g].append((i, v / norm))
    out = []
    for q in queries:
        w = {g: n * idf[g] for g, n in ngrams(q).items() if g in idf}
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        score: dict[int, float] = defaultdict(float)
        for g, v in w.items():
            for i, u in index[g]:
                score[i] += u * v / norm
        best = min(score, key=lambda i: (-score[i], i)) if score else 0
        out.append(train_tgt[best])
    return out
