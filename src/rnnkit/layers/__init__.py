"""Layers with Keras's names; every one is a torch.nn.Module."""
from .base import Layer
from .bidirectional import Bidirectional
from .char_embedding import CharCNNEmbedding
from .core import Activation, Dense, Dropout, Embedding, Input, InputLayer, Masking, TimeDistributed
from .crf import CRF
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .min_rnn import MinGRU, MinGRUCell, MinLSTM, MinLSTMCell
from .recurrent import RNN
from .simple_rnn import SimpleRNN, SimpleRNNCell

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Embedding", "Dropout", "Masking",
           "Activation", "TimeDistributed", "RNN", "SimpleRNN", "SimpleRNNCell", "LSTM",
           "LSTMCell", "GRU", "GRUCell", "Bidirectional", "MinGRU", "MinGRUCell", "MinLSTM",
           "MinLSTMCell", "CRF", "CharCNNEmbedding"]
