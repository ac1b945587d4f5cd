"""Supply graphs from files, read when the scenario is loaded (the engine reads no files).

An edge list travels with its scenario (into worker processes too), and its SHA-256
is a scenario key, so a run's provenance says which file it used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, eq=False)
class EdgeList:
    """Supplier/customer ties as firm-index pairs, with the digest of the file's bytes."""

    sha256: str
    pairs: NDArray[np.int64]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EdgeList) and other.sha256 == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)


def read_edge_list(path: str | Path) -> EdgeList:
    """``source target`` firm indices, one pair a line; ``#`` starts a comment.

    Raises ValueError with a message that names the line, never its contents.
    """
    data = Path(path).read_bytes()
    pairs = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) < 2 or not all(f.lstrip("-").isdigit() for f in fields[:2]):
            raise ValueError(f"line {number} is not two firm indices")
        pairs.append((int(fields[0]), int(fields[1])))
    if not pairs:
        raise ValueError("no edges: the file holds no 'source target' line")
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return EdgeList(hashlib.sha256(data).hexdigest(), array)
