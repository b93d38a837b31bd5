"""Music generation: a recurrent language model over folk-rnn tokens of ABC tunes.

    rnnkit compose                         # Ryan's Mammoth Collection (music21's corpus)
    rnnkit compose tunes.abc --prompt "M:6/8 K:D"
    rnnkit predict runs/compose-... "M:C| K:G"    # prints a new tune in ABC

Modules: abc (ABC <-> tokens), bars (bar lengths against the meter), clock (where the
tune is in its bar: input features the model reads), data (tunes and splits), model (LSTM
language model, n-gram baseline, sampling), guard (bar-guarded sampling), music (music21:
parsing, MIDI, piano roll, WAV), task (the recipe), report (run folder, predict), cli.
music21 is optional: `pip install 'rnnkit[music]'`.
"""
from .cli import configure_parser, main
from .report import predict
from .task import compose

__all__ = ["compose", "configure_parser", "main", "predict"]
