"""One look for every figure: a colour per vertical and per arm, colour-blind safe."""

from __future__ import annotations

from collections.abc import Sequence

# Paul Tol's "muted" scheme (distinct for the common colour-vision deficiencies),
# then black: ten verticals, each always drawn in the same colour.
VERTICAL_COLOURS = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#000000",
)
# Okabe and Ito's palette for arms and labs.
ARM_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def colours(names: Sequence[str], palette: Sequence[str] = VERTICAL_COLOURS) -> dict[str, str]:
    """A stable colour for each name, in the order the scenario lists them."""
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}
