"""Text generation: a character-level LSTM language model, trained by truncated BPTT.

    rnnkit generate                              # Tiny Shakespeare, 4,000 steps
    rnnkit generate my.txt --quick               # your text, the demo's 800 steps
    rnnkit predict runs/generate-... "ROMEO:" --length 300

The training text is cut into B contiguous streams and each stream into chunks of T
characters. Batch k holds chunk k of every stream, so the state a stateful LSTM carries
from batch k to batch k + 1 belongs to the same stream: the model sees context longer than
T while gradients flow back only T steps (truncated BPTT; the layer detaches the carried
state). The last `val_fraction` of the text is held out and scored by a stateful pass after
every epoch, against the uniform guess (ln V) and the training text's character
frequencies (the strongest simple baseline here).

Modules: settings (the dataclass behind the flags, FULL and QUICK), data (the text, the
stream layout, the baselines), model (the network, its schedule and sampler), recipe
(generate()), report (run folder, predict), cli. The run folder holds model/, vocab.json,
task.json, metrics.json, history.csv, curves.png, samples.txt and report.html.
"""
from .cli import configure_parser, main
from .data import baselines, encode, stream_batches
from .model import build_model, sample
from .recipe import generate
from .report import predict
from .settings import DEFAULT_PROMPT, MAX_LENGTH, QUICK, Settings

__all__ = ["DEFAULT_PROMPT", "MAX_LENGTH", "QUICK", "Settings", "baselines", "build_model",
           "configure_parser", "encode", "generate", "main", "predict", "sample",
           "stream_batches"]
