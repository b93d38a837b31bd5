from rnnkit.cli import main


def test_info_names_versions_and_the_path_each_recurrent_layer_takes(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    for key in ("rnnkit", "torch", "device (auto)", "SimpleRNN path", "LSTM path", "GRU path",
                "rnnkit fused CPU kernels", "rnnkit C++ scan (MinGRU, MinLSTM)",
                "bundled datasets"):
        assert key in lines, key
    assert "ud_english_ewt_pos" in lines["bundled datasets"]
    assert lines["LSTM path"].split()[2].rstrip(":") in ("torch", "rnnkit", "loop")
