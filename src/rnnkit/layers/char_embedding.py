"""Word vectors with character features: a word's own vector beside a convolution over its
characters (Ma & Hovy 2016), so a word never seen in training still shows its capitals,
digits, prefix and suffix.

    w_t  = E_word[word id of step t]                                 (E,)
    c_tl = E_char[id of character l of word t]                       (C,), l = 1..L
    u_tl = tanh(Σ_{k=-r..r} W_k c_{t,l+k} + b)                       (F,), width 2r+1
    x_t  = [w_t ; max_l u_tl]                                        (E + F,)

Shapes: ids (B, T, 1 + L): column 0 the word id (0 is padding), columns 1..L the character
ids of the word (0 pads short words) -> (B, T, E + F). The mask is True where the word id
is not 0, as Embedding(mask_zero=True) gives it.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import initializers
from .base import Layer, Shape, check_features


class CharCNNEmbedding(Layer):
    """Word embedding concatenated with a max-pooled character CNN; equations above.

    >>> layer = CharCNNEmbedding(10, 4, 20, char_dim=3, filters=5)
    >>> layer(torch.tensor([[[2, 5, 6, 0], [0, 0, 0, 0]]])).shape
    torch.Size([1, 2, 9])
    """

    _required_config_keys = ("word_vocab", "word_dim", "char_vocab")

    def __init__(self, word_vocab: int, word_dim: int, char_vocab: int, char_dim: int = 16,
                 filters: int = 32, kernel_size: int = 3, *, name: str | None = None,
                 input_shape: Shape | None = None, trainable: bool = True):
        super().__init__(name=name, input_shape=input_shape, trainable=trainable)
        for arg, value in (("word_vocab", word_vocab), ("word_dim", word_dim),
                           ("char_vocab", char_vocab), ("char_dim", char_dim),
                           ("filters", filters), ("kernel_size", kernel_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"CharCNNEmbedding {arg} must be a positive integer, got "
                                 f"{value!r}.")
        if kernel_size % 2 == 0:
            raise ValueError(f"CharCNNEmbedding kernel_size must be odd (centred on each "
                             f"character), got {kernel_size}.")
        self.word_vocab, self.word_dim, self.char_vocab = word_vocab, word_dim, char_vocab
        self.char_dim, self.filters, self.kernel_size = char_dim, filters, kernel_size
        uniform = initializers.get("uniform")
        self.E_word = nn.Parameter(uniform(torch.empty(word_vocab, word_dim)))
        self.E_char = nn.Parameter(uniform(torch.empty(char_vocab, char_dim)))
        self.W = nn.Parameter(initializers.glorot_uniform(
            torch.empty(filters, char_dim, kernel_size)))
        self.b = nn.Parameter(torch.zeros(filters))
        self.built = True

    def _ids(self, x: Tensor) -> Tensor:
        check_features(self, x, 3, "Column 0 holds word ids, the others character ids.")
        if x.shape[-1] < 2:
            raise ValueError(f"CharCNNEmbedding {self.name!r} expects (batch, time, 1 + "
                             f"characters) ids, got shape {tuple(x.shape)}: no characters.")
        ids = x.long()
        for what, part, size in (("word", ids[..., 0], self.word_vocab),
                                 ("character", ids[..., 1:], self.char_vocab)):
            if part.numel() and (int(part.min()) < 0 or int(part.max()) >= size):
                raise ValueError(
                    f"CharCNNEmbedding {self.name!r} expects {what} ids in [0, {size}), got "
                    f"values in [{int(part.min())}, {int(part.max())}].")
        return ids

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        ids = self._ids(x)
        B, T, _ = ids.shape
        w = F.embedding(ids[..., 0], self.E_word)                            # (B, T, E)
        # the CNN runs on the R real words only, cut to the longest word's L characters
        real = ids[..., 0] != 0                                              # (B, T)
        chars = ids[..., 1:][real]                                           # (R, L_max)
        L = int((chars != 0).sum(dim=1).max()) if chars.numel() else 0
        c = F.embedding(chars[:, :max(L, 1)], self.E_char)                  # (R, L, C)
        u = torch.tanh(F.conv1d(c.transpose(1, 2), self.W, self.b,
                                padding=self.kernel_size // 2))              # (R, F, L)
        pooled = w.new_zeros(B, T, self.filters)
        pooled[real] = u.amax(dim=2)                                         # max over l
        return torch.cat([w, pooled], dim=-1)

    def compute_mask(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return x[..., 0] != 0

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:2]) + (self.word_dim + self.filters,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "word_vocab": self.word_vocab,
                "word_dim": self.word_dim, "char_vocab": self.char_vocab,
                "char_dim": self.char_dim, "filters": self.filters,
                "kernel_size": self.kernel_size}
