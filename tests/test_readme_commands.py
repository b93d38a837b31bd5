"""Every `rnnkit ...` command the README shows parses and runs, so a broken one cannot land.

The README's two install-free commands are `pip install ... && rnnkit demo` and `pip
install ... && pytest`: the second is this suite; the first's CLI part is `rnnkit demo`,
run here on a tiny job. Every other command is
read from the README's code blocks and inline code, its placeholders (FILE.csv, RUN_DIR,
...) replaced by small files made from the bundled data, and run through `rnnkit.cli.main`
with tiny settings appended (argparse keeps the last value of a flag, so `--epochs 1`
overrides the README's). All of them run in CI (about 80 s together on 2 cores).
"""
from __future__ import annotations

import os
import re
import shlex
import wave
from pathlib import Path

import pytest

from rnnkit.cli import COMMANDS, build_parser
from rnnkit.cli import main as cli_main

README = Path(__file__).resolve().parents[1] / "README.md"

# subcommand -> flags appended for a smoke run (small models, few steps, quiet)
TINY: dict[str, list[str]] = {
    "demo": ["--only", "shakespeare", "--quiet"],
    "forecast": ["--quick", "--epochs", "2", "--members", "1", "--units", "4", "--quiet"],
    "classify": ["--quick", "--epochs", "1", "--units", "4", "--quiet"],
    "generate": ["--steps", "3", "--units", "8", "--embed-dim", "4", "--seq-len", "16",
                 "--sample-length", "10", "--threads", "1", "--quiet"],
    "tag": ["--quick", "--epochs", "1", "--units", "4", "--embed-dim", "4", "--quiet"],
    "ner": ["--quick", "--epochs", "1", "--units", "4", "--embed-dim", "4", "--quiet"],
    "translate": ["--quick", "--epochs", "1", "--units", "8", "--embed-dim", "8", "--threads",
                  "1", "--quiet"],
    "speech": ["--quick", "--steps", "2", "--units", "8", "--layers", "1", "--templates", "1",
               "--test-passes", "1", "--quiet"],
    "compose": ["--quick", "--epochs", "1", "--units", "8", "--quiet"],
    "predict": ["--length", "20"],
    "reference-train": ["--seconds", "1"],
    "gradflow": ["--steps", "3", "--units", "4"],
    "bench": ["--only", "simple_rnn", "--epochs", "1", "--threads", "1", "--quiet"],
    "info": [],
    "": [],
}


def readme_commands() -> list[str]:
    """The `rnnkit ...` commands of the README: code-block lines (after `&&` or a venv path,
    before a `#` comment) and inline code, whitespace normalised, in order, once each."""
    text = README.read_text(encoding="utf-8")
    found, in_block = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block:
            for m in re.finditer(r"(?:^|&& |\s)(?:\.venv/bin/)?(rnnkit(?:\s[^#]*?)?)\s*(?:#|$)",
                                 line):
                found.append(m.group(1))
    found += re.findall(r"`(?:[A-Z_]+=\S+\s+)*(rnnkit(?:\s[^`]*)?)`", text)
    return list(dict.fromkeys(" ".join(c.split()) for c in found))


# a subcommand named in the prose, run here as its simplest complete form
BARE = {"rnnkit predict": "rnnkit predict RUN_DIR"}
COMMAND_LINES = [BARE.get(c, c) for c in readme_commands()]


def _subcommand(command: str) -> str:
    parts = shlex.split(command)
    return parts[1] if len(parts) > 1 else ""


def test_the_readme_lists_the_demo_and_a_command_for_every_task():
    subcommands = {_subcommand(c) for c in COMMAND_LINES}
    assert "rnnkit demo" in COMMAND_LINES
    assert {"forecast", "classify", "generate", "tag", "ner", "translate", "speech",
            "predict", "reference-train", "bench", "info"} <= subcommands


@pytest.mark.parametrize("command", COMMAND_LINES)
def test_every_readme_command_names_a_subcommand_with_tiny_settings_here(command):
    sub = _subcommand(command)
    assert sub == "" or sub in COMMANDS, f"{command!r}: no subcommand {sub!r} in rnnkit.cli"
    assert sub in TINY, f"{command!r}: add its tiny settings to TINY in this file"


PLACEHOLDERS = {"FILE.csv": "series.csv", "FILE.txt": "text.txt", "FILE.conll": "ner.conll",
                "WAV_FOLDER": "wavs", "NAME": "theo", "C": "passengers",
                "my_digits.wav": "wavs/3_theo_0.wav"}


def _argv(command: str, files: Path, runs: dict[str, str] | None = None) -> list[str]:
    """The README command as argv: placeholders made real, tiny settings appended."""
    parts = shlex.split(command)[1:]
    sub = parts[0] if parts else ""
    out = []
    for p in parts:
        if p == "FILE.tsv":
            p = {"classify": "texts.tsv", "tag": "tags.tsv", "translate": "pairs.tsv"}[sub]
        elif p.startswith("runs/") and p.endswith("-..."):
            p = (runs or {}).get(p[5:-4], "runs/none")
        elif p in ("RUN_DIR", "INPUT"):
            p = (runs or {}).get("generate", "runs/none") if p == "RUN_DIR" else "ROMEO:"
        elif p in PLACEHOLDERS:
            p = PLACEHOLDERS[p]
        out.append(str(files / p) if (files / p).exists() else p)
    return out + TINY.get(sub, [])


@pytest.mark.parametrize("command", COMMAND_LINES)
def test_every_readme_command_parses_with_its_documented_flags(command, tmp_path):
    argv = shlex.split(command)[1:]
    try:
        args, unknown = build_parser().parse_known_args(argv)
    except SystemExit as e:
        pytest.fail(f"`{command}` does not parse (exit {e.code})")
    assert unknown == [], f"`{command}`: unrecognized arguments {unknown}"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Small files in the README's formats, from the bundled data."""
    from rnnkit import datasets
    root = tmp_path_factory.mktemp("readme_files")
    months, passengers = datasets.load_airline_passengers()
    (root / "series.csv").write_text("month,passengers\n" + "".join(
        f"{m},{int(p)}\n" for m, p in zip(months, passengers)), encoding="utf-8")
    (root / "text.txt").write_text(datasets.load_tiny_shakespeare()[:20_000], encoding="utf-8")
    texts, labels = datasets.load_sentiment("amazon")
    rows = list(zip(texts, labels))[::3]                  # both labels, 334 sentences
    (root / "texts.tsv").write_text("text\tlabel\n" + "".join(
        f"{t}\t{y}\n" for t, y in rows), encoding="utf-8")
    train, _ = datasets.load_pos_tagged()
    (root / "tags.tsv").write_text("\n".join("".join(f"{w}\t{t}\n" for w, t in s)
                                             for s in train[:300]), encoding="utf-8")
    train, _ = datasets.load_entities()
    (root / "ner.conll").write_text("\n".join("".join(f"{w}\t{t}\n" for w, t in s)
                                              for s in train[:300]), encoding="utf-8")
    pairs = datasets.load_translation_pairs()[::10][:300]
    (root / "pairs.tsv").write_text("".join(f"{en}\t{zh}\n" for en, zh in pairs),
                                    encoding="utf-8")
    digits = datasets.load_spoken_digits()
    (root / "wavs").mkdir()
    for audio, name, index in zip(digits.audio, digits.files, digits.indices):
        if index < 3 and name.split("_")[1] in ("theo", "jackson"):
            with wave.open(str(root / "wavs" / name), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(digits.rate)
                w.writeframes(audio.tobytes())
    return root


@pytest.fixture(scope="module")
def runs(files, tmp_path_factory):
    """Run folders for the README's predict commands (generate; speech when slow tests run;
    compose is made by its own test, as it needs music21 and minutes)."""
    root = tmp_path_factory.mktemp("readme_runs")
    made = {}
    assert cli_main(["generate", str(files / "text.txt"), "--out", str(root / "generate"),
                     *TINY["generate"]]) == 0
    made["generate"] = str(root / "generate")
    if cli_main(["speech", "--out", str(root / "speech"), *TINY["speech"]]) == 0:
        made["speech"] = str(root / "speech")
    return made


def _params():
    for command in COMMAND_LINES:
        yield pytest.param(command, id=command)


@pytest.mark.parametrize("command", list(_params()))
def test_every_readme_command_runs_with_tiny_settings(command, files, runs, tmp_path,
                                                      capsys, monkeypatch):
    sub = _subcommand(command)
    if sub == "compose" or "runs/compose" in command:
        pytest.importorskip("music21", reason="rnnkit compose needs rnnkit[music]")
    if "runs/compose" in command:
        runs = {**runs, "compose": str(tmp_path / "compose")}
        assert cli_main(["compose", "--out", runs["compose"], *TINY["compose"]]) == 0
    if sub == "demo":                                     # the tiny job the demo runs here
        from rnnkit.tasks.generate import settings
        for key, value in dict(units=8, embed_dim=4, steps=3, sample_length=10).items():
            monkeypatch.setitem(settings.QUICK, key, value)
    monkeypatch.chdir(tmp_path)                           # default run folders land here
    code = cli_main(_argv(command, files, runs))
    captured = capsys.readouterr()
    assert code == 0, f"`{command}` -> exit {code}\n{captured.err[-2000:]}"
