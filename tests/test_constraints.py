"""rnnkit.constraints: Keras's projections, names and configs."""
from __future__ import annotations

import pytest
import torch

from rnnkit import constraints
from rnnkit.constraints import MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def test_max_norm_shrinks_only_columns_above_the_limit():
    w = torch.tensor([[3.0, 0.3], [4.0, 0.4]])            # column norms 5 and 0.5
    out = MaxNorm(1.0, axis=0)(w)
    torch.testing.assert_close(out.norm(dim=0), torch.tensor([1.0, 0.5]), atol=1e-5, rtol=0)


def test_unit_norm_and_min_max_norm_move_norms_as_keras_does():
    w = torch.tensor([[3.0], [4.0]])
    torch.testing.assert_close(UnitNorm()(w).norm(), torch.tensor(1.0), atol=1e-6, rtol=0)
    half_way = MinMaxNorm(0.0, 1.0, rate=0.5)(w)                # 0.5 * 1 + 0.5 * 5 = 3
    torch.testing.assert_close(half_way.norm(), torch.tensor(3.0), atol=1e-5, rtol=0)


def test_non_neg_zeroes_negative_entries():
    assert NonNeg()(torch.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]


def test_get_reads_names_and_configs():
    assert isinstance(constraints.get("max_norm"), MaxNorm)
    c = constraints.get(constraints.serialize(MaxNorm(3, axis=[0, 1])))
    assert (c.max_value, c.axis) == (3.0, (0, 1))


@pytest.mark.parametrize("make,match", [
    (lambda: MaxNorm(-1), "max_value must be a finite number"),
    (lambda: MinMaxNorm(2.0, 1.0), "above max_value"),
    (lambda: UnitNorm(axis="rows"), "axis must be an integer"),
    (lambda: constraints.get("positive"), "Unknown constraint 'positive'"),
])
def test_bad_arguments_say_what_was_expected(make, match):
    with pytest.raises(ValueError, match=match):
        make()
