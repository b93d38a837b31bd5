"""Layers with Keras's names; every one is a torch.nn.Module."""
from .base import Layer
from .bidirectional import Bidirectional
from .char_embedding import CharCNNEmbedding
from .core import (Activation, Dense, Dropout, Embedding, Identity, Input, InputLayer, Masking,
                   Rescaling, TimeDistributed)
from .crf import CRF
from .cudnn_compat import CuDNNGRU, CuDNNLSTM
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .min_rnn import MinGRU, MinGRUCell, MinLSTM, MinLSTMCell
from .lookup import CategoryEncoding, IntegerLookup, StringLookup
from .preprocessing import Normalization, TextVectorization   # kutils
from . import experimental                                    # kutils: TF 2.3-2.5 paths
from .simple_rnn import SimpleRNN, SimpleRNNCell
# kattn: attention, ConvLSTM, Keras-style cells
from .attention import AdditiveAttention, Attention
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .keras_cells import RNN, StackedRNNCells
from .multi_head_attention import MultiHeadAttention

# klayers: the plain layers Keras RNN programs use
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .conv_transpose import Conv1DTranspose, Conv2DTranspose
from .convolutional import (Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D,
                            Convolution3D)
from .lambda_layer import Lambda
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
                      add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .regularization import (ActivityRegularization, GaussianDropout, GaussianNoise,
                             SpatialDropout1D, SpatialDropout2D)
from .reshaping import (Cropping1D, Flatten, Permute, RepeatVector, Reshape, UpSampling1D,
                        ZeroPadding1D)

from .ops_layers import BinaryOp, GetItem
from .registry import register_layers

# The classes a saved file may name (rnnkit's folders and Keras's files), by class name.
register_layers(
    Dense, Embedding, Dropout, Masking, Activation, TimeDistributed, SimpleRNN, LSTM, GRU,
    Bidirectional, GetItem, BinaryOp,
    RepeatVector, Flatten, Reshape, Permute, UpSampling1D, ZeroPadding1D, Cropping1D,
    Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose,
    MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D, GlobalMaxPooling1D,
    GlobalAveragePooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D,
    Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
    BatchNormalization, LayerNormalization, SpatialDropout1D, SpatialDropout2D, GaussianNoise,
    GaussianDropout, ActivityRegularization, Lambda, ReLU, LeakyReLU, ELU, PReLU, Softmax,
    Attention, AdditiveAttention, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, MultiHeadAttention,
    RNN, StackedRNNCells, SimpleRNNCell, LSTMCell, GRUCell,
    TextVectorization, Normalization, CRF, CharCNNEmbedding, MinGRU, MinLSTM,
    StringLookup, IntegerLookup, CategoryEncoding, Identity, Rescaling, CuDNNLSTM, CuDNNGRU)

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Embedding", "Dropout", "Masking",
           "Activation", "TimeDistributed", "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM",
           "LSTMCell", "GRU", "GRUCell", "Bidirectional", "MinGRU", "MinGRUCell", "MinLSTM",
           "MinLSTMCell"]
__all__ += [  # klayers
    "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
    "Conv1DTranspose", "Conv2DTranspose",
    "Lambda", "Add", "Average",
    "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
    "concatenate", "dot", "maximum", "minimum", "multiply", "subtract", "BatchNormalization",
    "LayerNormalization", "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "ActivityRegularization",
    "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D", "Flatten",
    "Permute", "RepeatVector", "Reshape", "UpSampling1D", "ZeroPadding1D", "Cropping1D",
    "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
__all__ += ["Attention", "AdditiveAttention", "MultiHeadAttention", "StackedRNNCells",
            "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]  # kattn
__all__ += ["TextVectorization", "Normalization"]   # kutils
__all__ += ["StringLookup", "IntegerLookup", "CategoryEncoding", "Identity", "Rescaling",
            "CuDNNLSTM", "CuDNNGRU"]
__all__ += ["CRF", "CharCNNEmbedding"]   # ner
