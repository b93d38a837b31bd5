"""Seq2Seq: shapes, the masked loss, decoding, saving and loading, bad input."""
import json

import pytest
import torch

from rnnkit.models.seq2seq import BOS, EOS, PAD, Seq2Seq


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def small(cell="gru", **kw):
    return Seq2Seq(src_vocab_size=20, tgt_vocab_size=15, embed_dim=8, units=12, cell=cell,
                   dropout=0.0, **kw).eval()


def reversal_batch(B=48, S=5, V=15, seed=0):
    """Copy task: the target is the source reversed, ids 4..V-1, then EOS."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(4, V, (B, S), generator=g)
    tgt_out = torch.cat([src.flip(1), torch.full((B, 1), EOS)], 1)
    tgt_in = torch.cat([torch.full((B, 1), BOS), src.flip(1)], 1)
    return src, tgt_in, tgt_out


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_logits_and_attention_have_batch_first_shapes(cell):
    model = small(cell)
    src = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])                      # (B=2, S=4)
    tgt_in = torch.tensor([[BOS, 4, 5], [BOS, 6, 0]])                      # (B=2, T=3)
    memory, mask, state = model.encode(src)
    logits, attention, _ = model.decode(tgt_in, state, memory, mask)
    assert memory.shape == (2, 4, 24) and logits.shape == (2, 3, 15)
    assert attention.shape == (2, 3, 4)
    torch.testing.assert_close(attention.sum(-1), torch.ones(2, 3))      # a_t sums to 1
    assert attention[1, :, 2:].detach().abs().max().item() == 0.0        # padding: a_ts = 0


def test_padding_does_not_change_the_loss_of_a_sentence():
    model = small()
    src, tgt_in, tgt_out = (torch.tensor([[5, 6, 7]]), torch.tensor([[BOS, 4, 9]]),
                            torch.tensor([[4, 9, EOS]]))
    padded = [torch.cat([t, torch.full((1, 4), PAD)], 1) for t in (src, tgt_in, tgt_out)]
    torch.testing.assert_close(model.loss(*padded), model.loss(src, tgt_in, tgt_out))
    # padded rows in a batch: each row's token loss is what it is alone
    other = (torch.tensor([[8, 9, 10, 11, 12]]), torch.tensor([[BOS, 5, 6, 7, 8]]),
             torch.tensor([[5, 6, 7, 8, EOS]]))
    batch = [torch.cat([p[:, :5], o], 0) for p, o in zip(padded, other)]
    expected = (3 * model.loss(src, tgt_in, tgt_out) + 5 * model.loss(*other)) / 8
    torch.testing.assert_close(model.loss(*batch), expected)


def test_a_small_model_learns_to_reverse_sequences_and_greedy_decoding_recovers_them():
    torch.manual_seed(0)
    model = small().train()
    src, tgt_in, tgt_out = reversal_batch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(150):
        optimizer.zero_grad()
        loss = model.loss(src, tgt_in, tgt_out)
        loss.backward()
        optimizer.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.1 * first
    decoded = model.greedy_decode(src[:8], max_len=10)
    assert decoded == src[:8].flip(1).tolist()                 # stopped at EOS, none left over
    assert model.beam_search(src[:4], beam_size=3, max_len=10) == src[:4].flip(1).tolist()


def test_greedy_decoding_stops_at_end_of_sentence_and_never_outputs_specials():
    model = small()
    with torch.no_grad():                      # make EOS the most likely word after 2 steps
        model.W_o.b.zero_()
        model.W_o.b[7] = 50.0
    ids, attention = model.greedy_decode(torch.tensor([[5, 6, 7]]), max_len=6,
                                         return_attention=True)
    assert ids == [[7, 7, 7, 7, 7, 7]]                          # max_len words without EOS
    with torch.no_grad():
        model.W_o.b[EOS] = 100.0
    ids, attention = model.greedy_decode(torch.tensor([[5, 6, 7]]), max_len=6,
                                         return_attention=True)
    assert ids == [[]] and attention[0].shape == (1, 3)          # EOS first: empty output
    with torch.no_grad():
        model.W_o.b.zero_()
        model.W_o.b[PAD] = model.W_o.b[BOS] = 100.0
    assert not {PAD, BOS} & set(model.greedy_decode(torch.tensor([[5, 6]]), max_len=4)[0])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_save_and_load_round_trip_gives_the_same_translations_without_pickle(tmp_path, cell):
    model = small(cell)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    src = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    path = model.save(tmp_path / "model", {"vocab.json": {"source": ["<pad>", "中"]}})
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors",
                                                      "vocab.json"]
    assert json.loads((path / "vocab.json").read_text(encoding="utf-8"))["source"][1] == "中"
    loaded = Seq2Seq.load(path)
    tgt_in = torch.tensor([[BOS, 4], [BOS, 5]])
    torch.testing.assert_close(loaded(src, tgt_in), model(src, tgt_in))
    assert loaded.greedy_decode(src, 6) == model.greedy_decode(src, 6)
    assert loaded.get_config() == model.get_config()


def test_rnnkit_load_model_also_loads_a_saved_seq2seq(tmp_path):
    from rnnkit.models import load_model
    model = small()
    loaded = load_model(model.save(tmp_path / "m"), compile=False)
    assert isinstance(loaded, Seq2Seq) and loaded.get_config() == model.get_config()


def test_bad_input_raises_errors_that_say_what_was_expected():
    model = small()
    with pytest.raises(ValueError, match=r"integer token ids of shape \(batch, time\)"):
        model(torch.zeros(2, 3), torch.full((2, 1), BOS))
    with pytest.raises(ValueError, match=r"src ids in \[0, 20\), got values in \[5, 99\]"):
        model(torch.tensor([[5, 99]]), torch.full((1, 1), BOS))
    with pytest.raises(ValueError, match="no time steps"):
        model(torch.zeros(1, 0, dtype=torch.long), torch.full((1, 1), BOS))
    with pytest.raises(ValueError, match="cell must be one of"):
        Seq2Seq(10, 10, cell="rnn")
    with pytest.raises(ValueError, match="tgt_vocab_size must exceed 3"):
        Seq2Seq(10, 3)
    with pytest.raises(ValueError, match="beam_size must be a positive integer"):
        model.beam_search(torch.tensor([[5]]), beam_size=0)
