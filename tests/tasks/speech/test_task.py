"""`rnnkit speech` end to end on a tiny folder of labelled WAV files, `rnnkit predict` on
its run folder, and bad audio: one line on stderr, exit code 2, no partial run folder."""
import json
import re

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy.signal import resample_poly

from rnnkit.cli import main
from rnnkit.datasets import load_spoken_digits
from rnnkit.tasks.speech import predict
from rnnkit.tasks.speech.audio import read_audio
from rnnkit.tasks.speech.report import load_model
from rnnkit.tasks.speech.features import LogMel
from rnnkit.tasks.speech.task import features

TINY = ["--steps", "3", "--units", "8", "--layers", "1", "--batch-size", "4",
        "--templates", "1", "--test-passes", "1", "--beam", "2", "--quiet"]


@pytest.fixture(scope="module")
def wavs(tmp_path_factory):
    """36 FSDD recordings as WAV files: digits 0-2, two speakers, indices 0-5."""
    folder = tmp_path_factory.mktemp("wavs")
    d = load_spoken_digits()
    for a, digit, speaker, index in zip(d.audio, d.digits, d.speakers, d.indices):
        if digit < 3 and speaker in ("jackson", "theo") and index < 6:
            sf.write(folder / f"{digit}_{speaker}_{index}.wav", a, d.rate, subtype="PCM_16")
    return folder


@pytest.fixture(scope="module")
def run(wavs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "speech"
    assert main(["speech", str(wavs), "--out", str(out), *TINY]) == 0
    return out


def test_a_tiny_run_writes_every_artifact_of_the_run_folder(run):
    for name in ["model/config.json", "model/model.safetensors", "features.json",
                 "symbols.json", "task.json", "metrics.json", "history.csv", "curves.png",
                 "alignment.png", "confusion.png", "report.html"]:
        assert (run / name).is_file(), name
    assert (run / "history.csv").read_text().startswith("step,loss,")
    assert not list(run.parent.glob(".*partial*"))


def test_the_metrics_score_model_and_baseline_on_the_held_out_recordings(run):
    m = json.loads((run / "metrics.json").read_text())
    assert m["task"] == "speech" and m["n_test_recordings"] == 7       # 20% of 36
    assert m["test_words"] == 7 and m["steps"] == 3
    for who in ("model", "baseline"):
        assert 0.0 <= m[who]["string_accuracy"] <= 1.0
        errors = m[who]["substitutions"] + m[who]["deletions"] + m[who]["insertions"]
        assert m[who]["error_rate"] == pytest.approx(errors / 7)
    assert np.array(m["confusion"]).shape == (4, 4)                  # 0, 1, 2, (none)
    page = (run / "report.html").read_text()
    assert "alignment.png" in page and "digit error rate" in page


def test_rnnkit_predict_prints_a_transcript_of_a_wav_file(run, wavs, capsys):
    assert main(["predict", str(run), str(wavs / "1_theo_0.wav")]) == 0
    printed = capsys.readouterr().out.strip()
    assert set(printed.replace(" ", "")) <= set("012")


def test_a_44_1_khz_stereo_copy_gives_the_transcript_and_posteriors_of_the_8_khz_file(
        run, wavs, tmp_path):
    x8, _ = sf.read(wavs / "2_jackson_3.wav", dtype="float32")
    x44 = resample_poly(x8, 441, 80)
    sf.write(tmp_path / "stereo.wav", np.stack([x44, x44], 1), 44100, subtype="PCM_16")
    assert predict(run, tmp_path / "stereo.wav") == predict(run, wavs / "2_jackson_3.wav")
    model, logmel = load_model(run / "model"), LogMel()
    with torch.no_grad():
        p8 = model(*features(logmel, [read_audio(wavs / "2_jackson_3.wav")], model))[0].exp()
        p44 = model(*features(logmel, [read_audio(tmp_path / "stereo.wav")], model))[0].exp()
    assert p8.shape == p44.shape and float((p8 - p44).abs().max()) < 0.05


def test_predict_on_a_folder_returns_one_row_per_file(run, wavs):
    rows = predict(run, wavs)
    assert len(rows) == 36 and rows[0][0].endswith("0_jackson_0.wav")


def test_predict_on_a_folder_that_is_not_a_speech_run_is_a_user_error(tmp_path, capsys):
    (tmp_path / "task.json").write_text('{"task": "speech"}')
    assert main(["predict", str(tmp_path), "x.wav"]) == 2
    assert "not a speech run folder" in capsys.readouterr().err


def _copy_with(wavs, tmp_path, name, write):
    folder = tmp_path / "data"
    folder.mkdir()
    for f in wavs.glob("*.wav"):
        (folder / f.name).write_bytes(f.read_bytes())
    write(folder / name)
    return folder


@pytest.mark.parametrize("name, write, message", [
    ("0_theo_9.wav", lambda p: p.write_bytes(b""), "empty \\(0 bytes\\)"),
    ("0_theo_9.wav", lambda p: p.write_text("hello"), "not an audio file"),
    ("0_theo_9.wav", lambda p: sf.write(p, np.zeros(0), 8000), "holds 0 samples"),
    ("0_theo_9.wav", lambda p: sf.write(p, np.full(800, np.nan), 8000, subtype="FLOAT"),
     "NaN or infinite"),
])
def test_bad_audio_in_the_data_is_one_line_exit_code_2_and_no_run_folder(
        wavs, tmp_path, capsys, name, write, message):
    folder = _copy_with(wavs, tmp_path, name, write)
    out = tmp_path / "run"
    assert main(["speech", str(folder), "--out", str(out), *TINY]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit speech: error: ") and err.count("\n") == 1
    assert re.search(message, err)
    assert not out.exists() and not list(tmp_path.glob(".run.partial*"))


def test_a_csv_of_path_and_text_trains_like_a_folder(wavs, tmp_path):
    rows = ["path,text,speaker"] + [f"{f},{f.name[0]},{f.name.split('_')[1]}"
                                    for f in sorted(wavs.glob("*.wav"))]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    assert main(["transcribe", str(tmp_path / "data.csv"), "--out", str(out), *TINY]) == 0
    assert json.loads((out / "metrics.json").read_text())["n_test_recordings"] == 7


def test_an_unknown_held_out_speaker_names_the_speakers(wavs, tmp_path, capsys):
    assert main(["speech", str(wavs), "--held-out-speaker", "bob", "--out",
                 str(tmp_path / "r"), *TINY]) == 2
    assert "Unknown speaker 'bob'; the speakers are jackson, theo" in capsys.readouterr().err
