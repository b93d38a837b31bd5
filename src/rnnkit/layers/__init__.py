"""Layers with Keras's names; every one is a torch.nn.Module."""
from .base import Layer
from .bidirectional import Bidirectional
from .core import Activation, Dense, Dropout, Embedding, Input, InputLayer, Masking, TimeDistributed
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .min_rnn import MinGRU, MinGRUCell, MinLSTM, MinLSTMCell
from .simple_rnn import SimpleRNN, SimpleRNNCell
# kattn: attention, ConvLSTM, Keras-style cells
from .attention import AdditiveAttention, Attention
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .keras_cells import RNN, StackedRNNCells
from .multi_head_attention import MultiHeadAttention

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Embedding", "Dropout", "Masking",
           "Activation", "TimeDistributed", "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM",
           "LSTMCell", "GRU", "GRUCell", "Bidirectional", "MinGRU", "MinGRUCell", "MinLSTM",
           "MinLSTMCell"]
__all__ += ["Attention", "AdditiveAttention", "MultiHeadAttention", "StackedRNNCells",
            "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]  # kattn
