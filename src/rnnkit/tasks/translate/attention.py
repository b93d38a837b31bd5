"""Attention heat maps, with a font that can draw the source's characters.

Matplotlib's default font (DejaVu Sans) has no Chinese characters: they come out as empty
boxes. `cjk_font()` looks for an installed font that covers them (WenQuanYi, Noto CJK,
Source Han, SimHei, ... ; on Debian/Ubuntu `apt-get install fonts-wqy-zenhei` or
`fonts-noto-cjk`); without one, `plot_attention` labels the columns by position instead.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
from matplotlib import font_manager

from ..runs import plt

CJK_NAMES = re.compile(r"wqy|wenquanyi|noto.*cjk|source ?han|simhei|simsun|yahei|pingfang|"
                       r"heiti|droid ?sans ?fallback|ar ?pl|uming|ukai|hiragino|ms ?gothic",
                       re.IGNORECASE)
PROBE = "中文字"                          # characters a usable font must draw


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of an installed font that draws Chinese characters, or None.

    Fonts are looked for in matplotlib's font list and the system's font folders (a font
    installed after matplotlib built its cache is in the second only); a candidate must
    map every character of PROBE in its character map.
    """
    paths = [f.fname for f in font_manager.fontManager.ttflist]
    try:
        paths += font_manager.findSystemFonts()
    except (OSError, RuntimeError):
        pass
    named = [p for p in dict.fromkeys(paths) if CJK_NAMES.search(Path(p).name)]
    for path in named:
        if _draws(path, PROBE):
            return path
    return None


def _draws(path: str, text: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font
        charmap = FT2Font(path).get_charmap()
    except Exception:                      # a broken or unreadable font file: not usable
        return False
    return all(ord(ch) in charmap for ch in text)


def _needs_cjk(tokens: list[str]) -> bool:
    return any(ord(ch) > 0x2E7F for tok in tokens for ch in tok)


def plot_attention(examples: list[tuple[list[str], list[str], np.ndarray]],
                   path: Path) -> str | None:
    """One heat map per (source tokens, output tokens, attention (T, S)); returns the font
    used for the source labels (None: labelled by position, the characters could not be
    drawn)."""
    font_path = cjk_font() if any(_needs_cjk(src) for src, _, _ in examples) else None
    needs = any(_needs_cjk(src) for src, _, _ in examples)
    prop = font_manager.FontProperties(fname=font_path) if font_path else None
    fig, axes = plt.subplots(1, len(examples), squeeze=False,
                             figsize=(4.8 * len(examples), 4.6))
    for ax, (src, out, att) in zip(axes[0], examples):
        att = np.asarray(att)[:, : len(src)]
        image = ax.imshow(att, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(src)))
        if needs and prop is None:
            ax.set_xticklabels([str(i + 1) for i in range(len(src))])
            ax.set_xlabel("source position (no CJK font installed)")
        else:
            ax.set_xticklabels(src, fontproperties=prop, fontsize=12)
            ax.set_xlabel("source")
        ax.set_yticks(range(len(out)))
        ax.set_yticklabels(out)
        ax.set_ylabel("output")
        title = "".join(src) if prop is not None or not needs else f"{len(src)} characters"
        ax.set_title(title, fontproperties=prop)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle("Attention: where each output word looks in the source")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None if needs and prop is None else (font_path or "default")
