"""A user's raw sentence split into words and punctuation as the bundled UD English EWT
treebank splits them (what the tagger was trained on)."""
from __future__ import annotations

import re

ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Z]\.|(?i:Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|Capt|Inc|"
                          r"Ltd|Corp|Co|vs|etc|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|"
                          r"Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.")
WHOLE = re.compile(r"[^\w]+|['’](?i:s|re|ve|ll|d|m|\d\d)|n['’]t|\w+://\S+|www\.\S+|\S+@\S+"
                   r"|[:;=]-?[A-Za-z]")       # "...", ":)", "'s", "'73", "n't", URLs, e-mails, ":D"
EDGES = re.compile(r"(\W*?)(\w(?:.*\w)?)(\W*)", re.DOTALL)     # marks, the word, marks
CLITIC = re.compile(r"(.+?)(n['’]t|['’](?i:s|re|ve|ll|d|m))", re.DOTALL)
MARKS = re.compile(r"([^\w\s])\1*")                # one mark, or a run of one ("!!", "...")


def tokenize(sentence: str) -> list[str]:
    """A user's raw sentence as UD English EWT (the bundled training data) splits it: each
    space-separated chunk loses its leading and trailing punctuation ("Sunday!" -> "Sunday",
    "!") and its clitic ("didn't" -> "did", "n't"; "It's" -> "It", "'s"), while numbers,
    hyphenated words, initials, common abbreviations, URLs and chunks of punctuation alone
    stay whole. Text already tokenized that way keeps its tokens: of the 50,241 words of
    the bundled EWT files, 56 would be split further (such as "80's" and "Gen.").

    >>> tokenize("On Sunday! Mr. Smith didn't e-mail the U.S. office (3.5 miles)... :)")
    ['On', 'Sunday', '!', 'Mr.', 'Smith', 'did', "n't", 'e-mail', 'the', 'U.S.', 'office', \
'(', '3.5', 'miles', ')', '...', ':)']
    """
    return [token for chunk in sentence.split() for token in _split_chunk(chunk)]


def _split_chunk(chunk: str) -> list[str]:
    if WHOLE.fullmatch(chunk):
        return [chunk]
    lead, core, trail = EDGES.fullmatch(chunk).groups()
    if trail.startswith(".") and ABBREVIATION.fullmatch(core + "."):
        core, trail = core + ".", trail[1:]
    clitic = CLITIC.fullmatch(core)
    middle = [clitic.group(1), clitic.group(2)] if clitic else [core]
    return ([m.group(0) for m in MARKS.finditer(lead)] + middle
            + [m.group(0) for m in MARKS.finditer(trail)])
