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
        model.b_o.zero_()
        model.b_o[7] = 50.0
    ids, attention = model.greedy_decode(torch.tensor([[5, 6, 7]]), max_len=6,
                                         return_attention=True)
    assert ids == [[7, 7, 7, 7, 7, 7]]                          # max_len words without EOS
    with torch.no_grad():
        model.b_o[EOS] = 100.0
    ids, attention = model.greedy_decode(torch.tensor([[5, 6, 7]]), max_len=6,
                                         return_attention=True)
    assert ids == [[]] and attention[0].shape == (1, 3)          # EOS first: empty output
    with torch.no_grad():
        model.b_o.zero_()
        model.b_o[PAD] = model.b_o[BOS] = 100.0
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


def test_a_seq2seq_whose_weights_changed_after_the_save_is_refused_naming_the_file(tmp_path):
    from rnnkit.errors import DamagedFileError
    path = small().save(tmp_path / "m")
    assert len(json.loads((path / "config.json").read_text())["weights_sha256"]) == 64
    data = bytearray((path / "model.safetensors").read_bytes())
    data[-3] ^= 0x10                                   # one bit of one weight, header intact
    (path / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(DamagedFileError, match=r"model\.safetensors.*SHA-256"):
        Seq2Seq.load(path)


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


# -- the low-resource mechanisms: input feeding, attention scores, tied embeddings,
#    word dropout ------------------------------------------------------------------------------

def perturbed(**kw):
    """A small model with weights moved off their init, so every path carries signal."""
    torch.manual_seed(1)
    model = small(**kw)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return model


@pytest.mark.parametrize("kw", [dict(), dict(input_feeding=True),
                                dict(input_feeding=True, cell="lstm", tie_embeddings=True),
                                dict(attention="additive", input_feeding=True)])
def test_decoding_one_step_at_a_time_matches_the_teacher_forced_forward(kw):
    # what greedy and beam decoding rely on: the state returned by decode carries
    # everything (h, c and, with input feeding, h̃_{t-1}) the next step needs
    model = perturbed(**kw)
    src = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    tgt_in = torch.tensor([[BOS, 4, 9, 6], [BOS, 7, 5, 5]])
    memory, mask, state = model.encode(src)
    steps, attentions = [], []
    for t in range(tgt_in.shape[1]):
        logits, attention, state = model.decode(tgt_in[:, t:t + 1], state, memory, mask)
        steps.append(logits)
        attentions.append(attention)
    full_logits, full_attention, _ = model.decode(tgt_in, model.encode(src)[2], memory, mask)
    torch.testing.assert_close(torch.cat(steps, 1), full_logits)
    torch.testing.assert_close(torch.cat(attentions, 1), full_attention)


def test_input_feeding_makes_each_step_depend_on_the_previous_attentional_output():
    model = perturbed(input_feeding=True)
    src, tgt_in = torch.tensor([[5, 6, 7]]), torch.tensor([[BOS, 4, 9]])
    memory, mask, state = model.encode(src)
    assert state[-1].shape == (1, 12) and not state[-1].any()            # h̃_0 = 0
    h, h_tilde = state[0], torch.randn(1, 12)                           # another h̃_{t-1}
    a = model.decode(tgt_in[:, :1], (h, state[-1]), memory, mask)[0]
    b = model.decode(tgt_in[:, :1], (h, h_tilde), memory, mask)[0]
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("attention", ["general", "scaled", "additive"])
def test_every_attention_sums_to_one_and_ignores_padding(attention):
    model = perturbed(attention=attention)
    src = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])
    memory, mask, state = model.encode(src)
    h = torch.randn(2, 3, 12)
    context, a = model.attend(h, memory, mask)
    assert context.shape == (2, 3, 24) and a.shape == (2, 3, 4)
    torch.testing.assert_close(a.sum(-1), torch.ones(2, 3))
    assert a[1, :, 2:].abs().max().item() == 0.0


def test_scaled_attention_is_general_attention_with_scores_over_sqrt_units():
    scaled = perturbed(attention="scaled")
    general = small()
    general.load_state_dict(scaled.state_dict())
    memory, mask, _ = scaled.encode(torch.tensor([[5, 6, 7, 8]]))
    h = torch.randn(1, 2, 12)
    expected = torch.softmax(h @ scaled.W_a(memory).transpose(1, 2) / 12 ** 0.5, -1)
    torch.testing.assert_close(scaled.attend(h, memory, mask)[1], expected)
    assert not torch.allclose(general.attend(h, memory, mask)[1], expected)


def test_tied_embeddings_share_one_table_between_target_input_and_output(tmp_path):
    model = perturbed(tie_embeddings=True)
    assert model.W_o is None and model.W_c.units == model.embed_dim    # h̃ is (B, T, E)
    names = [n for n, _ in model.named_parameters()]
    assert "tgt_embedding.embeddings" in names and not any("W_o" in n for n in names)
    h_tilde = torch.randn(2, 3, 8)
    torch.testing.assert_close(model.output_logits(h_tilde),
                               h_tilde @ model.tgt_embedding.embeddings.T + model.b_o)
    # one gradient: from the output layer and from the decoder input into the same table
    src, tgt_in, tgt_out = reversal_batch(B=4)
    model.loss(src, tgt_in, tgt_out).backward()
    assert model.tgt_embedding.embeddings.grad[EOS].abs().sum() > 0    # EOS: output only
    loaded = Seq2Seq.load(model.save(tmp_path / "m"))
    assert loaded.get_config()["tie_embeddings"] is True
    torch.testing.assert_close(loaded(src, tgt_in), model(src, tgt_in))


def test_word_dropout_turns_real_tokens_into_unk_in_training_only():
    from rnnkit.models.seq2seq import UNK
    model = small(word_dropout=0.25).train()
    ids = torch.cat([torch.full((400, 1), BOS), torch.randint(4, 15, (400, 20)),
                     torch.full((400, 1), EOS), torch.zeros(400, 3, dtype=torch.long)], 1)
    dropped = model._drop_words(ids)
    changed = dropped != ids
    assert (dropped[changed] == UNK).all()
    assert not changed[:, [0, 21, 22, 23, 24]].any()                   # BOS, EOS, PAD kept
    assert abs(changed[:, 1:21].float().mean().item() - 0.25) < 0.02
    assert torch.equal(model.eval()._drop_words(ids), ids)


def test_new_settings_are_checked_and_round_trip_through_the_config(tmp_path):
    model = perturbed(attention="additive", input_feeding=True, tie_embeddings=True,
                      word_dropout=0.1)
    loaded = Seq2Seq.load(model.save(tmp_path / "m"))
    assert loaded.get_config() == model.get_config()
    src = torch.tensor([[5, 6, 7, 8]])
    assert loaded.beam_search(src, 3, 6) == model.beam_search(src, 3, 6)
    with pytest.raises(ValueError, match="attention must be one of general, scaled, additive"):
        Seq2Seq(10, 10, attention="dot")
    with pytest.raises(ValueError, match=r"word_dropout must be in \[0, 1\)"):
        Seq2Seq(10, 10, word_dropout=1.0)
