"""rnnkit.reference.RNN: seed 004's class made whole, checked against the seed itself."""
import ast
import pathlib

import numpy as np
import pytest

from rnnkit import reference
from rnnkit.reference import SGD, Adagrad, clip_gradients, global_norm


# ---- Seed 004's class, pasted as it stands in /work/shared/seeds/004_3c595a906c888165.txt
# (section 5), trailing whitespace included. It shadows nothing: ours is reference.RNN.
class RNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size

        self.Wxh = np.random.randn(hidden_size, input_size) * 0.01
        self.Whh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.Why = np.random.randn(output_size, hidden_size) * 0.01
        self.bh = np.zeros((hidden_size, 1))
        self.by = np.zeros((output_size, 1))
    
    def forward(self, inputs):
        h = np.zeros((self.hidden_size, 1))

        for i, x in enumerate(inputs):
            h = np.tanh(np.dot(self.Wxh, x) + np.dot(self.Whh, h) + self.bh)
        
        y = np.dot(self.Why, h) + self.by

        return y, h
# ---- end of the seed's code


D, H, O = 3, 5, 2


def randomize(model, rng, scale=0.5):
    """Weights of order one, so outputs are far from zero and mistakes are visible."""
    for p in model.parameters().values():
        p[...] = rng.normal(size=p.shape) * scale
    return model


def columns(rng, T, D=D):
    return [rng.normal(size=(D, 1)) for _ in range(T)]


# ---- the seed's contract

def test_seed_004_class_and_reference_rnn_give_the_same_forward_with_the_same_weights():
    rng = np.random.default_rng(4)
    seed_model, ours = RNN(D, H, O), reference.RNN(D, H, O)
    randomize(ours, rng)
    for name in ("Wxh", "Whh", "Why", "bh", "by"):
        setattr(seed_model, name, getattr(ours, name).copy())
    inputs = columns(rng, 7)
    y_seed, h_seed = seed_model.forward(inputs)
    y, h = ours.forward(inputs)
    assert y.shape == y_seed.shape == (O, 1) and h.shape == h_seed.shape == (H, 1)
    np.testing.assert_array_equal(y, y_seed)
    np.testing.assert_array_equal(h, h_seed)


def test_after_the_same_global_seed_both_classes_draw_the_same_weights():
    np.random.seed(123)
    seed_model = RNN(D, H, O)
    np.random.seed(123)
    ours = reference.RNN(D, H, O)
    for name in ("Wxh", "Whh", "Why", "bh", "by"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(seed_model, name))
    inputs = columns(np.random.default_rng(0), 4)
    np.testing.assert_array_equal(ours.forward(inputs)[0], seed_model.forward(inputs)[0])


def test_weights_have_the_seed_shapes_and_small_init():
    model = reference.RNN(D, H, O, seed=0)
    shapes = {k: v.shape for k, v in model.parameters().items()}
    assert shapes == {"Wxh": (H, D), "Whh": (H, H), "Why": (O, H), "bh": (H, 1), "by": (O, 1)}
    assert np.abs(model.Whh).max() < 0.1 and not model.bh.any()
    assert repr(model) == "RNN(input_size=3, hidden_size=5, output_size=2)"


def test_parameters_are_the_live_arrays_of_the_model():
    model = reference.RNN(D, H, O, seed=0)
    model.parameters()["by"][:] = 7.0
    assert (model.by == 7.0).all()


# ---- forward_sequence

def test_forward_sequence_caches_every_step_and_ends_where_forward_ends():
    rng = np.random.default_rng(0)
    model = randomize(reference.RNN(D, H, O, seed=0), rng)
    inputs = columns(rng, 6)
    cache = model.forward_sequence(inputs)
    assert (cache.xs.shape, cache.hs.shape, cache.ys.shape) == ((6, D, 1), (6, H, 1), (6, O, 1))
    y, h = model.forward(inputs)
    np.testing.assert_allclose(cache.ys[-1], y, rtol=1e-12)
    np.testing.assert_array_equal(cache.h_last, h)


def test_a_batch_of_columns_gives_the_same_as_each_sample_alone():
    rng = np.random.default_rng(1)
    model = randomize(reference.RNN(D, H, O, seed=0), rng)
    xs, h0 = rng.normal(size=(5, D, 4)), rng.normal(size=(H, 4))
    cache = model.forward_sequence(xs, h0)
    for b in range(4):
        alone = model.forward_sequence(xs[:, :, b:b + 1], h0[:, b:b + 1])
        np.testing.assert_allclose(cache.ys[:, :, b:b + 1], alone.ys, rtol=1e-12)


def test_token_indices_act_as_one_hot_columns():
    rng = np.random.default_rng(2)
    model = randomize(reference.RNN(D, H, O, seed=0), rng)
    ix = rng.integers(0, D, size=(6, 3))
    one_hot = np.eye(D)[ix].transpose(0, 2, 1)                 # (T, D, B)
    np.testing.assert_allclose(model.forward_sequence(ix).ys,
                               model.forward_sequence(one_hot).ys, rtol=1e-12)
    targets = rng.integers(0, O, size=(6, 3))
    g_ix = model.loss_and_gradients(ix, targets, loss="softmax")[1]
    g_1h = model.loss_and_gradients(one_hot, targets, loss="softmax")[1]
    for k in g_ix:
        np.testing.assert_allclose(g_ix[k], g_1h[k], rtol=1e-12, atol=1e-15)


def test_float32_computes_everything_in_float32_and_agrees_with_float64():
    rng = np.random.default_rng(3)
    m64 = randomize(reference.RNN(D, H, O, seed=0), rng)
    m32 = reference.RNN(D, H, O, dtype=np.float32, seed=0)
    for k, p in m64.parameters().items():
        m32.parameters()[k][...] = p
    xs, targets = rng.normal(size=(8, D, 2)), rng.normal(size=(8, O, 2))
    L32, g32, c32 = m32.loss_and_gradients(xs, targets)
    L64, g64, _ = m64.loss_and_gradients(xs, targets)
    assert c32.hs.dtype == c32.ys.dtype == np.float32
    assert all(g.dtype == np.float32 for g in g32.values())
    assert abs(L32 - L64) < 1e-5 * abs(L64)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-3, atol=1e-5)
    Adagrad(lr=0.1).step(m32.parameters(), g32)
    assert all(p.dtype == np.float32 for p in m32.parameters().values())
    ixes = reference.RNN(4, 6, 4, dtype=np.float32, seed=0).sample(None, 0, 5)
    assert all(isinstance(i, int) and 0 <= i < 4 for i in ixes)


# ---- losses

def test_mse_on_the_last_step_or_on_every_step_follows_the_targets_shape():
    rng = np.random.default_rng(4)
    model = randomize(reference.RNN(D, H, O, seed=0), rng)
    cache = model.forward_sequence(rng.normal(size=(4, D, 2)))
    last, every = rng.normal(size=(O, 2)), rng.normal(size=(4, O, 2))
    L, dys = model.loss(cache, last)
    assert L == pytest.approx(np.mean((cache.ys[-1] - last) ** 2)) and not dys[:-1].any()
    L, dys = model.loss(cache, every)
    assert L == pytest.approx(np.mean((cache.ys - every) ** 2)) and dys[0].any()


def test_softmax_loss_of_a_model_with_zero_output_weights_is_ln_of_the_vocabulary():
    model = reference.RNN(4, 6, 4, seed=0)
    model.Why[:] = 0.0
    L, dys = model.loss(model.forward_sequence([0, 1, 2]), [1, 2, 3], kind="softmax")
    assert L == pytest.approx(np.log(4))
    np.testing.assert_allclose(dys.sum(axis=1), 0.0, atol=1e-15)   # p - onehot sums to 0


# ---- clipping, updates, sampling

def test_clipping_by_value_bounds_each_entry_and_by_norm_bounds_the_total():
    grads = {k: np.full(s, 10.0) for k, s in
             {"Wxh": (H, D), "Whh": (H, H), "Why": (O, H), "bh": (H, 1), "by": (O, 1)}.items()}
    grads["dh0"] = np.full((H, 1), 10.0)
    assert all(np.abs(g).max() == 5.0 for k, g in clip_gradients(grads, max_value=5.0).items()
               if k != "dh0")
    clipped = clip_gradients(grads, max_norm=1.0)
    assert global_norm(clipped) == pytest.approx(1.0)
    assert (grads["Wxh"] == 10.0).all() and (clipped["dh0"] == 10.0).all()   # inputs untouched
    with pytest.raises(ValueError, match="exactly one of max_norm or max_value"):
        clip_gradients(grads)


def test_sgd_and_adagrad_steps_lower_the_loss_of_a_small_regression():
    rng = np.random.default_rng(5)
    teacher = randomize(reference.RNN(D, H, O, seed=1), rng)
    xs = rng.normal(size=(5, D, 16))
    targets = teacher.forward(xs)[0]                           # (O, B): a learnable mapping
    for optimizer in (SGD(lr=0.5), Adagrad(lr=0.05)):
        model = reference.RNN(D, H, O, seed=0)
        first = model.loss_and_gradients(xs, targets)[0]
        for _ in range(50):
            _, grads, _ = model.loss_and_gradients(xs, targets)
            optimizer.step(model.parameters(), clip_gradients(grads, max_value=5.0))
        assert model.loss_and_gradients(xs, targets)[0] < 0.1 * first


def test_adagrad_first_step_is_lr_times_the_sign_of_the_gradient_as_in_min_char_rnn():
    model = randomize(reference.RNN(D, H, O, seed=0), np.random.default_rng(7))
    before = model.Why.copy()
    _, grads, _ = model.loss_and_gradients(np.ones((2, D, 1)), np.full((O, 1), 3.0))
    Adagrad(lr=0.1).step(model.parameters(), grads)
    np.testing.assert_allclose(model.Why - before, -0.1 * np.sign(grads["Why"]), rtol=1e-6)


def test_sample_returns_n_valid_indices_reproducibly():
    model = randomize(reference.RNN(7, 9, 7, seed=0), np.random.default_rng(6))
    ixes = model.sample(np.zeros((9, 1)), 3, 50, rng=0)
    assert len(ixes) == 50 and all(isinstance(i, int) and 0 <= i < 7 for i in ixes)
    assert model.sample(None, 3, 50, rng=0) == ixes
    assert model.sample(None, 3, 0) == []
    greedy = model.sample(None, 3, 20, temperature=1e-3, rng=1)
    assert greedy == model.sample(None, 3, 20, temperature=1e-3, rng=2)


# ---- errors say what, expected, received

@pytest.fixture
def model():
    return reference.RNN(D, H, O, seed=0)


def test_inputs_of_the_wrong_size_name_the_expected_and_received_shapes(model):
    expected = r"\(3, 1\) column vectors.*inputs\[1\] has shape \(4, 1\)"
    with pytest.raises(ValueError, match=expected):
        model.forward([np.zeros((3, 1)), np.zeros((4, 1))])
    with pytest.raises(ValueError, match=r"inputs\[0\] has shape \(3,\).*reshape\(3, 1\)"):
        model.forward([np.zeros(3)])
    with pytest.raises(ValueError, match=r"\(T, 3, B\).*got shape \(5, 2, 1\)"):
        model.forward_sequence(np.zeros((5, 2, 1)))
    with pytest.raises(ValueError, match=r"got shape \(5, 3\)\. For one sample.*reshape\(T, 3, 1"):
        model.forward_sequence(np.zeros((5, 3)))


def test_empty_sequences_non_finite_values_and_bad_indices_are_refused(model):
    with pytest.raises(ValueError, match="empty sequence"):
        model.forward([])
    with pytest.raises(ValueError, match=r"empty sequence of shape \(0, 3, 1\)"):
        model.forward_sequence(np.zeros((0, 3, 1)))
    with pytest.raises(ValueError, match="inputs contains 1 non-finite value"):
        model.forward_sequence(np.array([[[np.nan], [0.0], [0.0]]]))
    with pytest.raises(ValueError, match=r"Token indices must lie in \[0, 3\).*to 3"):
        model.forward_sequence(np.array([0, 1, 3]))
    with pytest.raises(ValueError, match=r"h0 must have shape .* \(5, 2\); got \(5, 1\)"):
        model.forward_sequence(np.zeros((4, 3, 2)), h0=np.zeros((5, 1)))


def test_targets_of_the_wrong_length_type_or_range_are_refused(model):
    cache = model.forward_sequence(np.zeros((4, 3, 1)))
    with pytest.raises(ValueError, match="cover 3 time steps but the inputs have 4"):
        model.loss(cache, np.zeros((3, O, 1)))
    with pytest.raises(ValueError, match="cover 5 time steps but the inputs have 4"):
        model.loss(cache, np.zeros(5, dtype=int), kind="softmax")
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 2\).*from 0 to 2"):
        model.loss(cache, np.array([0, 1, 2, 0]), kind="softmax")
    with pytest.raises(ValueError, match="must be integers; got dtype float64"):
        model.loss(cache, np.zeros(4), kind="softmax")
    with pytest.raises(ValueError, match="targets contains 1 non-finite"):
        model.loss(cache, np.array([[np.inf], [0.0]]))
    with pytest.raises(ValueError, match="Unknown loss 'mae'. Available: mse, softmax"):
        model.loss(cache, np.zeros((O, 1)), kind="mae")


def test_bad_constructor_and_sampling_arguments_are_refused(model):
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        reference.RNN(3, 0, 2)
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got int64"):
        reference.RNN(3, 4, 2, dtype=np.int64)
    with pytest.raises(ValueError, match="needs input_size == output_size; got 3 and 2"):
        model.sample(None, 0, 5)
    square = reference.RNN(4, 5, 4, seed=0)
    with pytest.raises(ValueError, match=r"seed_ix must be an integer token index in \[0, 4\)"):
        square.sample(None, 4, 5)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        square.sample(None, 0, 5, temperature=0.0)


def test_the_reference_package_never_imports_torch():
    package = pathlib.Path(reference.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "torch" for n in names), source.name
