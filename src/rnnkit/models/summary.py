"""model.summary(): a table of layers, output shapes and weights, as Keras prints it.

    >>> from rnnkit.layers import Dense, Input, SimpleRNN
    >>> from rnnkit.models import Sequential
    >>> model = Sequential([Input(shape=(10, 1)), SimpleRNN(10, name="rnn"), Dense(1, name="out")],
    ...                    name="forecaster")
    ...
    >>> model.summary()
    Model: "forecaster"
    ________________________________________
    Layer (type)     Output Shape  Param #
    ========================================
    rnn (SimpleRNN)  (None, 10)    120
    ________________________________________
    out (Dense)      (None, 1)     11
    ________________________________________
    Total params: 131
    Trainable params: 131
    Non-trainable params: 0
    ________________________________________
"""
from __future__ import annotations

from typing import Callable

from ..layers.registry import model_class


def _params(layer) -> str:
    if not getattr(layer, "built", True) and not any(True for _ in layer.parameters()):
        return "0 (unbuilt)"
    return f"{sum(p.numel() for p in layer.parameters()):,}"


def _row_name(layer) -> str:
    return f"{getattr(layer, 'name', type(layer).__name__.lower())} ({type(layer).__name__})"


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(str(s) for s in shape)
    return str(shape)


def _rows(model) -> tuple[list[str], list[tuple[str, ...]]]:
    Functional, Sequential = model_class("Functional"), model_class("Sequential")
    if isinstance(model, Functional):
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        rows = [(_row_name(layer), _shape_text(layer.output.shape), "0", "-")
                for layer in model._input_layers]
        for node in model._nodes:
            shapes = [t.shape for t in node.output_list]
            sources = []
            for t in node.inputs:
                src = t.input_layer.name if t.node is None else \
                    getattr(t.node.layer, "name", "?")
                sources.append(src)
            rows.append((_row_name(node.layer), _shape_text(shapes[0] if len(shapes) == 1
                                                            else shapes),
                         _params(node.layer), ", ".join(dict.fromkeys(sources))))
        return header, rows
    header = ["Layer (type)", "Output Shape", "Param #"]
    rows = []
    shape = model.input_shape if isinstance(model, Sequential) else None
    if isinstance(model, Sequential) and shape is not None and model.batch_size:
        shape = (model.batch_size, *shape[1:])
    for layer in model.layers:
        try:
            shape = None if shape is None else layer.compute_output_shape(shape)
        except Exception:  # noqa: BLE001 - a shape we cannot derive is shown as unknown
            shape = None
        rows.append((_row_name(layer), _shape_text(shape), _params(layer)))
    return header, rows


def print_summary(model, print_fn: Callable[[str], None] = print) -> None:
    header, rows = _rows(model)
    table = [tuple(header)] + rows
    widths = [max(len(r[i]) for r in table) + 2 for i in range(len(header))]
    line = "_" * sum(widths)
    print_fn(f'Model: "{model.name}"')
    print_fn(line)
    for k, row in enumerate(table):
        print_fn("".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        print_fn("=" * sum(widths) if k == 0 else line)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn(line)
