"""The firm clock: firm timers and SimPy events run in one time order."""

from __future__ import annotations

import math
import random

import pytest

from econsim.agents.calendar import FirmClock

START, END = 2022.5, 2030.0


def clock_with_random_timers(seed: int) -> tuple[FirmClock, list[tuple[float, str]], list]:
    """Firm timers near and far (some re-arming), a SimPy process ticking monthly."""
    rng = random.Random(seed)
    clock = FirmClock(START, END, 1 / 12)
    fired: list[tuple[float, str]] = []
    expected: list[tuple[float, str]] = []

    def firm_timer(firm: int) -> None:
        fired.append((clock.now, f"firm {firm}"))
        if firm % 3 == 0:  # re-arm from inside a handler, as contracts do
            delay = rng.uniform(0.0, 3.0)
            if clock.now + delay <= END:
                expected.append((clock.now + delay, f"firm {firm}"))
            clock.after(delay, firm, firm_timer)

    def ticker():
        while True:
            yield clock.timeout(1 / 12)
            fired.append((clock.now, "tick"))

    for firm in range(300):
        delay = rng.choice([rng.uniform(0.0, 0.05), rng.uniform(0.0, 9.0)])
        if START + delay <= END:
            expected.append((START + delay, f"firm {firm}"))
        clock.after(delay, firm, firm_timer)
    clock.process(ticker())
    return clock, fired, expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_firm_timers_fire_at_their_exact_times_in_order_with_simpy_events(seed):
    clock, fired, expected = clock_with_random_timers(seed)
    clock.run(until=END + 1.0)
    firms = [(t, who) for t, who in fired if who != "tick"]
    assert sorted(firms) == sorted(expected)  # every timer, at its exact time, once
    assert [t for t, _ in fired] == sorted(t for t, _ in fired)  # one time order
    ticks = [t for t, who in fired if who == "tick"]
    assert len(ticks) == round((END + 1.0 - START) * 12)


def test_timers_past_the_end_are_never_kept():
    clock = FirmClock(START, END, 0.25)
    clock.after(END - START + 1e-9, 1, lambda firm: pytest.fail("past the end"))
    clock.after(END - START, 2, lambda firm: None)
    firm_timers = [entry for entry in clock._firms if entry[1] >= 0]  # not bin openings
    assert sum(len(b) for b in clock._bins) + len(firm_timers) == 1


def test_a_timer_due_exactly_at_the_end_waits_in_the_last_bin_and_fires_there():
    clock = FirmClock(START, END, 0.5)  # the last bin begins exactly at the end
    fired: list[float] = []
    clock.after(END - START, 1, lambda firm: fired.append(clock.now))
    clock.run(until=END)
    assert fired == []  # a run to the end stops before anything due at the end
    clock.run(until=END + 1.0)
    assert fired == [END]


def test_a_run_stops_before_timers_due_at_or_after_its_until_and_resumes():
    clock = FirmClock(START, END, 0.5)
    fired: list[int] = []
    for firm, delay in enumerate([0.2, 1.0, 2.7, 2.7, 6.0]):
        clock.after(delay, firm, fired.append)
    clock.run(until=START + 1.0)
    assert fired == [0]
    clock.run(until=START + 2.8)
    assert fired == [0, 1, 2, 3]  # same time: in the order they were set
    clock.run(until=END)
    assert fired == [0, 1, 2, 3, 4]


def test_a_timer_a_hair_before_a_bin_begins_fires_before_an_event_at_that_instant():
    clock = FirmClock(0.0, 1.0, 1 / 12)
    early = math.nextafter(0.25, 0.0)  # bin 2, though its division by the width rounds to 3
    assert int(early / (1 / 12)) == 3 and clock._starts[3] == 0.25
    fired: list[str] = []
    clock.after(early, 1, lambda firm: fired.append("timer"))
    clock.timeout(0.25).callbacks.append(lambda event: fired.append("simpy event"))
    clock.run(until=0.5)
    assert fired == ["timer", "simpy event"]
