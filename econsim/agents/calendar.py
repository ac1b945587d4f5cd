"""A SimPy environment with a light calendar for firms' timers.

Labs, holders, interventions and the economy are SimPy processes. A firm's timers
(a pilot's end, a contract's end, a cool-down's end) are most of a run's events and
need none of SimPy's machinery: each is a time and a function of the firm. They
wait in their own heap, and ``step`` takes whichever comes first, the next firm
timer or the next SimPy event (SimPy's first when both fall at the same instant).

Every deployed firm waits on a contract end a year or more away, so the heap would
hold tens of thousands of far timers that every event pays for in its pop. A timer
due in a later bin (a step of the run) waits in that bin's plain list instead, and
joins the heap when its bin begins.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from itertools import count

import simpy

FirmHandler = Callable[[int], None]


class FirmClock(simpy.Environment):
    """A SimPy environment that also runs ``after(delay, firm, handler)`` timers."""

    def __init__(self, start: float, end: float, bin_width: float) -> None:
        super().__init__(initial_time=start)
        self.end = end
        self._firms: list[tuple[float, int, int, FirmHandler]] = []  # (time, order, firm, fn)
        self._order = count()
        bins = max(1, math.ceil((end - start) / bin_width))
        self._starts = [start + k * bin_width for k in range(bins + 1)]
        self._origin, self._width = start, bin_width
        self._bins: list[list[tuple[float, int, int, FirmHandler]]] = [[] for _ in self._starts]
        self._open = 0  # the bins up to this one are in the heap
        self._open_bin(0)

    def after(self, delay: float, firm: int, handler: FirmHandler) -> None:
        """Call ``handler(firm)`` ``delay`` from now; never past the run's end."""
        when = self._now + delay
        if when > self.end:
            return
        entry = (when, next(self._order), firm, handler)
        k = int((when - self._origin) / self._width)  # at most the last bin: when <= end
        if k > self._open and self._starts[k] > when:  # the division rounded up
            k -= 1
        if k > self._open:
            self._bins[k].append(entry)
        else:
            heappush(self._firms, entry)

    def step(self) -> None:
        """Run the next firm timer or SimPy event, whichever is due first."""
        firms, queue = self._firms, self._queue  # SimPy's heap of (time, priority, id, event)
        if firms and (not queue or firms[0][0] < queue[0][0]):
            self._now, _, firm, handler = heappop(firms)
            handler(firm)
        else:
            super().step()

    def _open_bin(self, k: int) -> None:
        """Bin ``k`` begins: its timers join the heap, and the next bin's opening with them.

        The opening is itself a timer, ahead of any timer at the same instant (order -1).
        """
        self._open = k
        waiting, self._bins[k] = self._bins[k], []
        if k + 1 < len(self._starts):
            waiting.append((self._starts[k + 1], -1, k + 1, self._open_bin))
        self._firms.extend(waiting)
        heapify(self._firms)
