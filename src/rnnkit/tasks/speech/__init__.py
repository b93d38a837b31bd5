"""Speech recognition: connected spoken digits (or your labelled words) to text with a
recurrent acoustic model trained with CTC, scored against energy segmentation + DTW.

    rnnkit speech                          # bundled Free Spoken Digit Dataset, official split
    rnnkit speech --held-out-speaker theo  # score on a speaker never heard in training
    rnnkit predict runs/speech-... my.wav  # prints the transcript, e.g. "4 0 7 1"

Modules: audio (reading WAV), features (log-mel on torch), corpus (connected utterances),
model (BiGRU + CTC, decoding), baseline (segmentation + DTW), data (sources and splits),
scoring (error rates), plots, report (run folder, predict), task (the recipe), cli.
"""
from .cli import configure_parser, main
from .report import predict
from .task import speech

__all__ = ["configure_parser", "main", "predict", "speech"]
