"""Every plain layer keeps the layer contract: its output shape is what compute_output_shape
says (for any batch size, zero input included), its config round-trips through the registry,
and it builds lazily from the first batch."""
import pytest
import torch

from rnnkit import layers as L
from rnnkit.layers.registry import deserialize, layer_classes, serialize

X3 = (3, 7, 4)          # (B, T, C)
IMG = (3, 6, 5, 2)      # (B, H, W, C)

# (layer factory, input shapes): one shape, or a list of shapes for merge layers
CASES = [
    (lambda: L.RepeatVector(3), (3, 4)),
    (lambda: L.Flatten(), X3),
    (lambda: L.Flatten(data_format="channels_first"), IMG),
    (lambda: L.Reshape((-1, 2)), X3),
    (lambda: L.Permute((2, 1)), X3),
    (lambda: L.UpSampling1D(3), X3),
    (lambda: L.ZeroPadding1D((2, 0)), X3),
    (lambda: L.ZeroPadding1D(1, data_format="channels_first"), X3),
    (lambda: L.Cropping1D((0, 3)), X3),
    (lambda: L.Conv1D(5, 3), X3),
    (lambda: L.Conv1D(5, 4, strides=3, padding="same", activation="relu"), X3),
    (lambda: L.Conv1D(5, 3, padding="causal", dilation_rate=2, use_bias=False), X3),
    (lambda: L.Conv1D(4, 2, groups=2, data_format="channels_first"), (3, 4, 7)),
    (lambda: L.Conv2D(3, (3, 2), strides=(2, 1), padding="same"), IMG),
    (lambda: L.Conv1DTranspose(3, 7, strides=2, padding="same"), X3),
    (lambda: L.Conv1DTranspose(3, 2, strides=3, output_padding=1), X3),
    (lambda: L.Conv2DTranspose(2, (3, 2), strides=(2, 1)), IMG),
    (lambda: L.Conv3D(2, (2, 3, 3), padding="same", strides=(1, 2, 2)), (3, 4, 6, 5, 2)),
    (lambda: L.MaxPooling1D(), X3),
    (lambda: L.MaxPooling1D(3, strides=2, padding="same"), X3),
    (lambda: L.AveragePooling1D(2, strides=1), X3),
    (lambda: L.AveragePooling1D(4, padding="same"), X3),
    (lambda: L.MaxPooling2D(), IMG),
    (lambda: L.AveragePooling2D(3, padding="same"), IMG),
    (lambda: L.GlobalMaxPooling1D(), X3),
    (lambda: L.GlobalAveragePooling1D(keepdims=True), X3),
    (lambda: L.GlobalMaxPooling2D(), IMG),
    (lambda: L.GlobalAveragePooling2D(data_format="channels_first"), IMG),
    (lambda: L.BatchNormalization(), X3),
    (lambda: L.BatchNormalization(axis=1, center=False), X3),
    (lambda: L.LayerNormalization(), X3),
    (lambda: L.LayerNormalization(axis=[1, 2], scale=False), X3),
    (lambda: L.SpatialDropout1D(0.5), X3),
    (lambda: L.SpatialDropout2D(0.5), IMG),
    (lambda: L.GaussianNoise(0.1), X3),
    (lambda: L.GaussianDropout(0.2), X3),
    (lambda: L.ActivityRegularization(l1=0.01), X3),
    (lambda: L.ReLU(max_value=6.0), X3),
    (lambda: L.LeakyReLU(alpha=0.2), X3),
    (lambda: L.ELU(), X3),
    (lambda: L.PReLU(shared_axes=[1]), X3),
    (lambda: L.Softmax(axis=[1, 2]), X3),
    (lambda: L.Add(), [X3, X3, X3]),
    (lambda: L.Add(), [X3, (3, 1, 4)]),
    (lambda: L.Subtract(), [X3, X3]),
    (lambda: L.Multiply(), [X3, X3]),
    (lambda: L.Average(), [X3, X3]),
    (lambda: L.Maximum(), [X3, X3]),
    (lambda: L.Minimum(), [X3, X3]),
    (lambda: L.Concatenate(), [X3, (3, 7, 2)]),
    (lambda: L.Concatenate(axis=1), [X3, (3, 2, 4)]),
    (lambda: L.Dot(axes=(2, 2)), [X3, (3, 5, 4)]),
    (lambda: L.Dot(axes=1, normalize=True), [(3, 4), (3, 4)]),
]
IDS = [f"{i}-{type(make()).__name__}" for i, (make, _) in enumerate(CASES)]


def _zeros(shapes):
    return [torch.zeros(s) for s in shapes] if isinstance(shapes, list) else torch.zeros(shapes)


def _symbolic(shapes):
    """The shapes with the batch and time axes unknown, as summary() would ask."""
    def one(s):
        return (None,) + tuple(s[1:])
    return [one(s) for s in shapes] if isinstance(shapes, list) else one(shapes)


@pytest.mark.parametrize("make,shapes", CASES, ids=IDS)
@pytest.mark.parametrize("training", [False, True])
def test_output_shape_is_what_compute_output_shape_says(make, shapes, training):
    layer = make()
    layer.train(training)
    y = layer(_zeros(shapes))
    expected = layer.compute_output_shape(_symbolic(shapes))
    assert expected[0] is None and tuple(expected[1:]) == tuple(y.shape[1:])
    assert y.shape[0] == 3


@pytest.mark.parametrize("make,shapes", CASES, ids=IDS)
def test_a_built_layer_takes_another_batch_size(make, shapes):
    layer = make().eval()
    layer(_zeros(shapes))
    other = [(1,) + tuple(s[1:]) for s in shapes] if isinstance(shapes, list) \
        else (1,) + tuple(shapes[1:])
    assert layer(_zeros(other)).shape[0] == 1


@pytest.mark.parametrize("make,shapes", CASES, ids=IDS)
def test_config_round_trips_through_the_registry_to_an_equal_layer(make, shapes):
    layer = make().eval()
    x = [torch.randn(s) for s in shapes] if isinstance(shapes, list) else torch.randn(shapes)
    y = layer(x)
    twin = deserialize(serialize(layer)).eval()
    assert type(twin) is type(layer) and twin.get_config() == layer.get_config()
    twin(x)                                                   # build, then copy the weights
    twin.load_state_dict(layer.state_dict())
    torch.testing.assert_close(twin(x), y)


def test_every_plain_layer_is_registered_for_loading():
    names = {"RepeatVector", "Flatten", "Reshape", "Permute", "Conv1D", "Conv2D",
             "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
             "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
             "GlobalAveragePooling2D", "Add", "Subtract", "Multiply", "Average", "Maximum",
             "Minimum", "Concatenate", "Dot", "BatchNormalization", "LayerNormalization",
             "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
             "ActivityRegularization", "Lambda", "UpSampling1D", "ZeroPadding1D", "Cropping1D",
             "Conv1DTranspose", "Conv2DTranspose", "Conv3D", "ReLU", "LeakyReLU", "ELU", "PReLU",
             "Softmax"}
    assert names <= set(layer_classes())


def test_keras_short_and_long_names_are_the_same_classes():
    assert L.MaxPool1D is L.MaxPooling1D and L.GlobalAvgPool1D is L.GlobalAveragePooling1D
    assert L.Convolution1D is L.Conv1D and L.Convolution2D is L.Conv2D
