"""Supply graphs from files or from the user's networkx graph (the engine reads no files).

An edge list travels with its scenario (into worker processes too), and its SHA-256
is a scenario key, so a run's provenance says which file or graph it used. A
networkx graph also gives each firm its vertical (and optionally its size): its
nodes become the run's firms, grouped by vertical, and :class:`Network` keeps each
firm's node id so that per-firm results join back to the user's graph.
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAX_EDGE_LIST_BYTES = 2**30  # about 60M ties; larger graphs come from Python (with_network)


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
    found = Path(path).stat()  # a missing file is an OSError, for the caller to name
    if not stat.S_ISREG(found.st_mode):  # a device or a pipe would never end
        raise ValueError("not a regular file")
    if found.st_size > MAX_EDGE_LIST_BYTES:
        raise ValueError(f"larger than {MAX_EDGE_LIST_BYTES:,} bytes")
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


@dataclass(frozen=True, eq=False)
class Network(EdgeList):
    """A user's graph as firms: node ids in firm order, firms per vertical, sizes.

    Firms are the graph's nodes sorted by vertical (scenario order), in the graph's
    node order within a vertical; ``pairs`` are its edges as firm indices.
    """

    nodes: tuple[Hashable, ...]
    counts: NDArray[np.int64]
    sizes: NDArray[np.float64] | None


def network_from_graph(graph: Any, verticals: Sequence[str]) -> Network:
    """The firms and ties of a networkx graph whose nodes carry ``vertical`` (and ``size``).

    Raises ValueError naming the first node that lacks a known vertical or has a size
    that is not a positive number.
    """
    order = {name: i for i, name in enumerate(verticals)}
    rows = []
    for position, (node, attributes) in enumerate(graph.nodes(data=True)):
        vertical = attributes.get("vertical")
        if vertical not in order:
            known = ", ".join(verticals)
            raise ValueError(f"node {node!r}: vertical {vertical!r} is not one of {known}")
        rows.append((order[vertical], position, node, _size(node, attributes.get("size"))))
    if not rows:
        raise ValueError("the graph has no nodes")
    rows.sort(key=lambda row: (row[0], row[1]))
    nodes = tuple(row[2] for row in rows)
    firm = {node: i for i, node in enumerate(nodes)}
    pairs = np.array([(firm[a], firm[b]) for a, b in graph.edges()], dtype=np.int64).reshape(-1, 2)
    counts = np.bincount([row[0] for row in rows], minlength=len(verticals)).astype(np.int64)
    given = [row[3] for row in rows]
    if any(size is not None for size in given) and any(size is None for size in given):
        raise ValueError("give every node a size, or none")
    sizes = None if given[0] is None else np.array(given, dtype=np.float64)
    digest = hashlib.sha256(
        json.dumps(
            [[repr(n) for n in nodes], counts.tolist(), given, pairs.tolist()], default=str
        ).encode()
    ).hexdigest()
    return Network(digest, pairs, nodes, counts, sizes)


def _size(node: Hashable, size: Any) -> float | None:
    """A node's size as a positive finite float (None when it has none)."""
    if size is None:
        return None
    number = None if isinstance(size, bool | str) else _float(size)
    if number is None or not (number > 0 and math.isfinite(number)):
        raise ValueError(f"node {node!r}: size {size!r} is not a positive number")
    return number


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
