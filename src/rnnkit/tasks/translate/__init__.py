"""Machine translation, Chinese to English: an encoder-decoder GRU with attention.

    rnnkit translate                                # the bundled Tatoeba pairs, ~10 minutes
    rnnkit translate pairs.tsv --quick              # your pairs, the demo's settings
    rnnkit predict runs/translate-... "我们走吧。"    # prints source<TAB>translation

    >>> from rnnkit.tasks.translate import translate, predict
    >>> run = translate(quick=True, out="runs/zh-en")               # doctest: +SKIP
    >>> predict("runs/zh-en", "我们走吧。")                           # doctest: +SKIP
    [('我们走吧。', "Let's go.")]

Data: the bundled 5,575 Tatoeba pairs (English<TAB>Chinese) or a file in that layout,
`target<TAB>source[<TAB>...]` (from_column=2: translate the 2nd column into the 1st, as
the Tatoeba files are written; from_column=1 the other way). Each side is split into
characters when most of its sentences have no spaces (Chinese, Japanese), else into
lower-cased words with punctuation and clitics ('s, n't) split off. The pairs are shuffled
once with a fixed seed and cut 80/10/10 into training, validation (early stopping, the
choice of decoder) and test (the scores).

Scores: BLEU and chrF (sacrebleu) on the test split, for greedy decoding, beam search and
the strongest simple baseline, retrieval: the English of the training pair whose source
shares the most character n-grams (TF-IDF cosine). The verdict is on chrF.

Modules: settings (the dataclass behind the flags, FULL and QUICK, the inference caps),
data (tokens, vocabularies, the split, the baseline), model (training through fit, the
Translator), recipe (translate()), report (run folder, predict), attention (heat maps with
a CJK font), cli. The run folder holds model/ (config.json, model.safetensors, vocab.json),
task.json, metrics.json, history.csv, curves.png, attention.png, examples.tsv and
report.html.
"""
from .cli import configure_parser, main
from .data import detokenize, learn_truecase, retrieval_baseline, tokenize
from .model import Translator
from .recipe import translate
from .report import predict
from .settings import MAX_BEAM, MAX_SOURCE_TOKENS, QUICK, Settings

__all__ = ["MAX_BEAM", "MAX_SOURCE_TOKENS", "QUICK", "Settings", "Translator",
           "configure_parser", "detokenize", "learn_truecase", "main", "predict",
           "retrieval_baseline", "tokenize", "translate"]
