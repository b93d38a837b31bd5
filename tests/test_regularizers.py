"""rnnkit.regularizers: Keras's penalties, names and configs."""
from __future__ import annotations

import pytest
import torch

from rnnkit import regularizers
from rnnkit.regularizers import L1, L1L2, L2, OrthogonalRegularizer


def test_l1_l2_and_l1l2_are_the_keras_formulas():
    w = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    assert float(L1(0.1)(w)) == pytest.approx(0.1 * 3.5)
    assert float(L2(0.1)(w)) == pytest.approx(0.1 * 5.25)
    assert float(L1L2(0.1, 0.1)(w)) == pytest.approx(0.1 * 3.5 + 0.1 * 5.25)
    assert float(regularizers.l1_l2()(w)) == 0.0          # Keras 3: both factors 0


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows_and_positive_otherwise():
    assert float(OrthogonalRegularizer(1.0)(torch.eye(3))) == pytest.approx(0.0)
    same = torch.ones(2, 3)                          # two identical rows: cosine 1
    assert float(OrthogonalRegularizer(1.0)(same)) == pytest.approx(1.0)   # 0.5 * 2 / 1
    assert float(OrthogonalRegularizer(1.0, "columns")(same)) == pytest.approx(1.0)


def test_get_reads_names_configs_instances_and_functions():
    assert isinstance(regularizers.get("l2"), L2)
    assert regularizers.get("L1").l1 == 0.01
    reg = regularizers.get(regularizers.serialize(L1L2(0.2, 0.3)))
    assert (reg.l1, reg.l2) == (0.2, 0.3)
    own = lambda w: w.sum()                              # noqa: E731
    assert regularizers.get(own) is own
    assert regularizers.get(None) is None


@pytest.mark.parametrize("make,match", [
    (lambda: L2(-1), "finite number >= 0"),
    (lambda: L1(float("nan")), "finite number >= 0"),
    (lambda: OrthogonalRegularizer(mode="diagonal"), "'rows' or 'columns'"),
    (lambda: regularizers.get("l3"), "Unknown regularizer 'l3'"),
    (lambda: OrthogonalRegularizer()(torch.ones(3)), "rank 2"),
])
def test_bad_arguments_say_what_was_expected(make, match):
    with pytest.raises(ValueError, match=match):
        make()
