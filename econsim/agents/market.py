"""Firms: light use, integration pilots, deployments and contracts as timed events.

A firm uses AI in two ways that surveys count together (DESIGN §2.4). Light use
(subscriptions, assistants) spreads as a Bass process at a rate that rises with the
best score on offer; it is kept for good and yields no practice data. Integration is
an investment: a firm considers it at a Bass hazard and pilots when the value it
expects from the scores on offer covers its cost and friction (its threshold θ_f,
:func:`~econsim.model.diffusion.integration_threshold`); the pilot converts on the
value realised with real capability.

There is no process per firm. The next adoption comes from the two adoption races;
every candidate adoption, pilot end, contract end and cool-down is one timer on the
:class:`~econsim.agents.calendar.FirmClock` whose handler moves that firm on.
Integration states: idle → piloting → deployed → (renewing | churned → cool-down →
idle); a failed pilot also cools down. Data follows the firm to the lab that serves it.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.agents.calendar import FirmClock
from econsim.agents.lab import LabAgent
from econsim.model.diffusion import integration_threshold, smooth_step_at
from econsim.results.events import Event
from econsim.scenario import Integration, Scenario
from econsim.scenario import Market as MarketSettings
from econsim.state.adoption import AdoptionRace
from econsim.state.ledger import PracticeLedger
from econsim.state.parameters import VerticalTable
from econsim.state.recorder import EventLog
from econsim.world.firms import World
from econsim.world.streams import Draws, Streams

FloatArray = NDArray[np.float64]

IDLE, PILOTING, DEPLOYED, COOLDOWN = 0, 1, 2, 3
_HEADROOM = 1.25  # candidate rate over the adoption hazard; redrawn outside [1/h², 1]


@dataclass(frozen=True, eq=False)
class MarketTerms:
    """What the market reads of the scenario: adoption, pilots, contracts and choice.

    Benchmark validity is read too: when it changes, every lab's scores do; and each
    lab's strategy, since a new one changes where it sells. Integration costs, output
    and output per employee set the firms' thresholds.
    """

    settings: MarketSettings
    p: FloatArray
    q: FloatArray
    lead_time_median: FloatArray
    lead_time_sigma: FloatArray
    pilot_success: FloatArray
    contract_years: FloatArray
    cooldown: FloatArray
    churn: FloatArray
    initial_adoption: FloatArray
    eval_validity: FloatArray
    integration: tuple[Integration, ...]  # per vertical
    output_per_employee: FloatArray
    size_elasticity: float
    price_share: tuple[float, ...]  # per lab
    lead_time_factor: tuple[float, ...]  # per lab, where it is the deployer
    strategies: tuple[str, ...]  # per lab

    @classmethod
    def read(cls, scenario: Scenario) -> MarketTerms:
        """The market's view of a scenario."""
        v, labs = VerticalTable(scenario.verticals), scenario.labs.values()
        return cls(
            scenario.market,
            v.p,
            v.q,
            v.lead_time_median,
            v.lead_time_sigma,
            v.pilot_success,
            v.contract_years,
            v.cooldown,
            v.churn,
            v.initial_adoption,
            v.eval_validity,
            tuple(vertical.integration for vertical in scenario.verticals.values()),
            v.output_per_employee,
            scenario.economy.size_elasticity,
            tuple(lab.finance.price_share for lab in labs),
            tuple(lab.conquest.lead_time_factor for lab in labs),
            tuple(lab.strategy for lab in labs),
        )


def thresholds(world: World, terms: MarketTerms) -> FloatArray:
    """Each firm's integration threshold θ_f, from its vertical's costs and output."""
    out, bounds = np.empty(world.firms), world.bounds.tolist()
    for v, costs in enumerate(terms.integration):
        firms = slice(bounds[v], bounds[v + 1])
        out[firms] = integration_threshold(
            world.firm_size[firms],
            world.firm_reluctance[firms],
            float(terms.output_per_employee[v]),
            costs,
            float(terms.contract_years[v]),
        )
    return out


def size_weight(world: World, elasticity: float) -> NDArray[np.float64]:
    """Larger firms adopt sooner: ``size^e``, scaled to mean 1 in each vertical.

    The scaling keeps ``p`` and ``q`` the vertical's average rates.
    """
    weight = world.firm_size**elasticity
    for lo, hi in zip(world.bounds[:-1].tolist(), world.bounds[1:].tolist(), strict=True):
        if hi > lo:
            weight[lo:hi] /= weight[lo:hi].mean()
    return np.asarray(weight, float)


class Candidates:
    """A stream of candidate adoptions in one race, thinned to its total hazard.

    Thinning (Lewis and Shedler): candidates arrive at a bound above the hazard and
    each becomes an adoption with probability hazard / bound, which is exact while the
    hazard stays under the bound. Only when the hazard leaves ``[bound / h², bound]``
    is the candidate redrawn (memoryless, so that is exact too); a superseded timer
    fires later and is ignored by its stale token. Most events change the hazard a
    little, so this saves a timer per event. Each race draws from its own stream, so
    that policy arms keep common random numbers in each.
    """

    def __init__(
        self,
        race: AdoptionRace,
        draws: Draws,
        after: Callable[[float, int, Callable[[int], None]], None],
        adopt: Callable[[int], None],
    ) -> None:
        self.race, self.draws, self._after, self._adopt = race, draws, after, adopt
        self._token = 0
        self._bound = 0.0  # rate of candidates

    def schedule(self, fresh: bool = False) -> None:
        """Keep candidates coming at a rate bound above the race's total hazard."""
        rate = self.race.total_rate()
        if not fresh and self._bound / _HEADROOM**2 <= rate <= self._bound and rate > 0:
            return
        self._token += 1
        self._bound = rate * _HEADROOM
        if rate > 0.0:  # a firm timer, keyed by the token rather than a firm
            self._after(self.draws.exponential() / self._bound, self._token, self._on_candidate)

    def _on_candidate(self, token: int) -> None:
        if token != self._token:
            return
        accept = self.draws.uniform() * self._bound / self.race.total_rate()
        if accept < 1.0:  # given acceptance, `accept` is uniform on [0, 1): reuse it
            firm = self.race.pick(accept)
            if firm is not None:
                self._adopt(firm)
        self.schedule(fresh=True)


class Market:
    """Every firm's state, the two adoption races, and the handlers of firm events."""

    def __init__(
        self,
        terms: MarketTerms,
        env: FirmClock,
        world: World,
        labs: Sequence[LabAgent],
        ledger: PracticeLedger,
        log: EventLog,
        streams: Streams,
    ) -> None:
        self.env, self.world, self.labs, self.ledger, self.log = env, world, labs, ledger, log
        self.terms = terms
        # Plain buffers for fast per-event writes; numpy views of them for readers.
        self._state = bytearray(world.firms)  # every firm starts IDLE (0)
        self._lab_of = array("h", [-1]) * world.firms
        self.state = np.frombuffer(self._state, dtype=np.int8)
        self.lab_of = np.frombuffer(self._lab_of, dtype=np.int16)
        self.share = world.firm_share.tolist()
        self.vertical_of = world.firm_vertical.tolist()
        shape = (len(labs), world.bounds.size - 1)
        self._piloting = [[0] * shape[1] for _ in range(shape[0])]
        self._deployed = [[0] * shape[1] for _ in range(shape[0])]
        self._churned = [[0] * shape[1] for _ in range(shape[0])]
        self._light = bytearray(world.firms)  # 1: the firm uses AI lightly
        self._light_users = [0] * shape[1]
        self._users = [0] * shape[1]  # light or integrating (piloting or deployed)
        weight, width = size_weight(world, terms.size_elasticity), terms.settings.gate_width
        p, q = terms.p.tolist(), terms.q.tolist()
        self.thresholds = thresholds(world, terms)
        self._threshold = self.thresholds.tolist()  # read per pilot and renewal
        self.race = AdoptionRace(world, weight, width, p, q, self.thresholds)
        self.light = AdoptionRace(world, weight, width, p, q)
        self._integrations = Candidates(
            self.race, streams.draws("adoption"), env.after, self._consider
        )
        self._light_uses = Candidates(
            self.light, streams.draws("light"), env.after, self._start_light_use
        )
        self._pilot_draws = streams.draws("pilots")
        self._contract_draws = streams.draws("contracts")
        self._history = streams.rng("history")
        self._after = env.after
        self._best: list[tuple[float | None, float | None]] = [(None, None)] * shape[1]
        self._choices: dict[tuple[int, int], tuple[list[int], list[float]]] = {}

    # ------------------------------------------------------------ capability changes

    def on_release(self, lab: LabAgent) -> None:
        """A lab released a model: firms see the new scores from now on."""
        self.update_gates(np.flatnonzero(lab.offers).tolist())

    def on_learned(self, lab: LabAgent) -> None:
        """A deployed model learned between releases: pilots and renewals see it now."""
        self._capability[lab.index] = lab.model.real.tolist()

    def retune(self, terms: MarketTerms, now: float) -> None:
        """Parameters or benchmark scores changed: read them again, every gate anew."""
        self.terms = terms
        self.thresholds = thresholds(self.world, terms)
        self._threshold = self.thresholds.tolist()
        self.race.set_thresholds(self.thresholds)
        self.update_gates()

    def update_gates(self, verticals: Sequence[int] | None = None) -> None:
        """Recompute gates where scores or offers changed (all verticals by default)."""
        terms = self.terms
        self._read_terms()
        self._choices.clear()
        for race in (self.race, self.light):
            race.gate_width = terms.settings.gate_width
            race.set_rates(terms.p.tolist(), terms.q.tolist())
        for v in range(len(self._best)) if verticals is None else verticals:
            best = (self.best_value(v), self.best_score(v))
            value, score = best
            previous = self._best[v]
            if verticals is None or value != previous[0]:  # else no gate moved
                self.race.refresh(v, value, only_score=verticals is not None)
            if verticals is None or score != previous[1]:
                self.light.refresh(
                    v, score if terms.settings.light_use else None, only_score=verticals is not None
                )
            self._best[v] = best
        self._light_uses.schedule()
        self._schedule_adoption()

    def _read_terms(self) -> None:
        """Per-vertical terms and labs' capabilities as Python lists for the hot path.

        They change only at releases, campaigns and interventions, all of which
        refresh the market.
        """
        p = self.terms
        self._lead = list(zip(p.lead_time_median.tolist(), p.lead_time_sigma.tolist(), strict=True))
        self._success, self._churn_rate = p.pilot_success.tolist(), p.churn.tolist()
        self._contract, self._cooldown = p.contract_years.tolist(), p.cooldown.tolist()
        self._capability = [lab.model.real.tolist() for lab in self.labs]
        self._kept = [1.0 - share for share in p.price_share]  # the firm's share of the value
        self._lead_factor = [
            [factor if deployer else 1.0 for deployer in lab.deployer_flags()]
            for lab, factor in zip(self.labs, p.lead_time_factor, strict=True)
        ]

    @property
    def piloting(self) -> NDArray[np.int64]:
        """Firms piloting each lab's model, per (lab, vertical)."""
        return np.array(self._piloting, dtype=np.int64)

    @property
    def deployed(self) -> NDArray[np.int64]:
        """Firms running each lab's model, per (lab, vertical)."""
        return np.array(self._deployed, dtype=np.int64)

    @property
    def churned(self) -> NDArray[np.int64]:
        """Firms that dropped each lab's model at renewal so far, per (lab, vertical)."""
        return np.array(self._churned, dtype=np.int64)

    def adoption(self) -> NDArray[np.float64]:
        """Deployed firms per (lab, vertical) as a share of the vertical's firms."""
        return self.deployed / np.maximum(self.world.firm_counts(), 1)

    def light_use(self) -> NDArray[np.float64]:
        """Firms using AI lightly, as a share of each vertical's firms."""
        return np.array(self._light_users) / np.maximum(self.world.firm_counts(), 1)

    def using(self) -> NDArray[np.float64]:
        """Firms using AI in either way (as surveys count), share of each vertical's firms."""
        return np.array(self._users) / np.maximum(self.world.firm_counts(), 1)

    def best_score(self, vertical: int) -> float | None:
        """Best benchmark score on offer in a vertical (None: no lab sells there)."""
        scores = [float(lab.model.proxy[vertical]) for lab in self.labs if lab.offers[vertical]]
        return max(scores) if scores else None

    def best_value(self, vertical: int) -> float | None:
        """Best share of a firm's work a model seems to do, net of its lab's price.

        The value a firm expects from integrating, per unit of its output: what it
        compares with its threshold. None when no lab sells there.
        """
        price = self.terms.price_share
        values = [
            float(lab.model.proxy[vertical]) * (1.0 - price[lab.index])
            for lab in self.labs
            if lab.offers[vertical]
        ]
        return max(values) if values else None

    def choose_lab(self, vertical: int, draws: Draws, incumbent: int = -1) -> int:
        """A lab by benchmark score net of price (logit), -1 when no lab sells here.

        The incumbent gets a switching-cost bonus. Choice weights change only when
        models, offers or parameters do, so they are cached until the next refresh.
        """
        key = (vertical, incumbent)
        if key not in self._choices:
            self._choices[key] = self._choice_weights(vertical, incumbent)
        labs, cumulative = self._choices[key]
        if len(labs) <= 1:
            return labs[0] if labs else -1
        pick = bisect.bisect_right(cumulative, draws.uniform() * cumulative[-1])
        return labs[min(pick, len(labs) - 1)]

    def _choice_weights(self, vertical: int, incumbent: int) -> tuple[list[int], list[float]]:
        offering = [lab for lab in self.labs if lab.offers[vertical]]
        if len(offering) < 2:
            return [lab.index for lab in offering], []
        market, price = self.terms.settings, self.terms.price_share
        utility = np.array(
            [
                lab.model.proxy[vertical]
                - market.price_sensitivity * price[lab.index]
                + market.switching_cost * (lab.index == incumbent)
                for lab in offering
            ]
        )
        weight = np.exp((utility - utility.max()) / market.choice_temperature)
        return [lab.index for lab in offering], np.cumsum(weight).tolist()

    def seed_adoption(self) -> None:
        """Firms already using AI when the run starts, as observed then.

        In each vertical an ``initial_adoption`` share of the firms: ``light_share`` of
        them use it lightly, the others run a model. Each is drawn by its adoption
        weight (gate and size); a deployed firm has a lab by the usual choice and a
        contract that has run for a uniform share of its length.
        """
        draws, rng = Draws(self._history), self._history
        settings = self.terms.settings
        light = settings.light_share if settings.light_use else 0.0
        for v, share in enumerate(self.terms.initial_adoption.tolist()):
            for firm in self._draw_firms(self.race, v, share * (1 - light), rng):
                lab = self.choose_lab(v, draws)
                if lab < 0:
                    break
                self.race.leave(firm)
                self._serve(firm, lab, +1)
                self._engage(firm, +1)
                self.race.deployment_changed(firm, +1)
                self.log.add(self.env.now, Event.INITIAL, lab, v, firm)
                remaining = draws.uniform() * self._contract[v]
                self._after(remaining, firm, self._on_contract_end)
            if self.best_score(v) is not None:  # light use, too, needs a model on offer
                for firm in self._draw_firms(self.light, v, share * light, rng):
                    self._start_light_use(firm)
        self._light_uses.schedule()
        self._schedule_adoption()

    def _draw_firms(
        self, race: AdoptionRace, v: int, share: float, rng: np.random.Generator
    ) -> list[int]:
        """A ``share`` of the vertical's firms, idle in ``race`` and using no AI, by weight."""
        firms = slice(race.lo[v], race.lo[v] + race.counts[v])
        weight = race.gate_weights(v) * race.idle[firms] * (self.state[firms] == IDLE)
        count = min(round(share * weight.size), int(np.count_nonzero(weight)))
        if count == 0:
            return []
        chosen = rng.choice(weight.size, count, replace=False, p=weight / weight.sum())
        return [int(firm) for firm in np.sort(chosen) + race.lo[v]]

    # ------------------------------------------------------------ the adoption race

    def _schedule_adoption(self) -> None:
        """Integration hazards changed: keep its candidates coming at the right rate."""
        self._integrations.schedule()

    def _consider(self, firm: int) -> None:
        """A firm considers integrating: it pilots the model of the lab it chooses."""
        lab = self.choose_lab(self.vertical_of[firm], self._integrations.draws)
        if lab >= 0:
            self._start_pilot(firm, lab)

    def _start_light_use(self, firm: int) -> None:
        """The firm starts using AI lightly, for good: it tells its neighbours."""
        v = self.vertical_of[firm]
        self.light.leave(firm)
        self.light.deployment_changed(firm, +1)
        self._light[firm] = 1
        self._light_users[v] += 1
        if self._state[firm] not in (PILOTING, DEPLOYED):
            self._users[v] += 1
        self.log.add(self.env.now, Event.LIGHT_USE, -1, v, firm)

    # ------------------------------------------------------------ firm lifecycle

    def _start_pilot(self, firm: int, lab: int) -> None:
        v, now = self.vertical_of[firm], self.env.now
        self.race.leave(firm)
        self._engage(firm, +1)
        self._state[firm], self._lab_of[firm] = PILOTING, lab
        self._piloting[lab][v] += 1
        self.ledger.change_exposure(lab, v, now, piloting=self.share[firm])
        median, sigma = self._lead[v]
        lead = median * math.exp(sigma * self._pilot_draws.normal()) if median > 0 else 0.0
        lead *= self._lead_factor[lab][v]  # a deployer lab integrates its own deployments
        self.log.add(now, Event.PILOT_START, lab, v, firm, lead)
        if lead > 0.0:
            self._after(lead, firm, self._end_pilot)
        else:  # nothing to wait for: no timer, the pilot ends now
            self._end_pilot(firm)

    def _end_pilot(self, firm: int) -> None:
        lab, v, now = self._lab_of[firm], self.vertical_of[firm], self.env.now
        self._piloting[lab][v] -= 1
        self.ledger.change_exposure(lab, v, now, piloting=-self.share[firm])
        chance = self._success[v] * self._fit(firm, lab)
        if self._pilot_draws.uniform() < chance:
            self.log.add(now, Event.PILOT_SUCCESS, lab, v, firm, chance)
            self._deploy(firm, lab)
        else:
            self.log.add(now, Event.PILOT_FAILURE, lab, v, firm, chance)
            self._cool_down(firm)
        self._schedule_adoption()

    def _deploy(self, firm: int, lab: int) -> None:
        self._serve(firm, lab, +1)
        self.race.deployment_changed(firm, +1)
        self._after(self._contract[self.vertical_of[firm]], firm, self._on_contract_end)

    def _on_contract_end(self, firm: int) -> None:
        lab, v, now = self._lab_of[firm], self.vertical_of[firm], self.env.now
        keep = (1.0 - self._churn_rate[v]) * self._fit(firm, lab)
        kept = self._contract_draws.uniform() < keep
        chosen = self.choose_lab(v, self._contract_draws, incumbent=lab) if kept else -1
        if chosen < 0:  # dropped at renewal, or nobody sells here any more
            self._churn(firm, lab, v, keep)
            return
        if chosen == lab:
            self.log.add(now, Event.RENEWAL, lab, v, firm, keep)
        else:  # the firm's data now flows to the new lab; its neighbours see no change
            self._serve(firm, lab, -1)
            self._serve(firm, chosen, +1)
            self.log.add(now, Event.SWITCH, chosen, v, firm, lab)
        self._after(self._contract[v], firm, self._on_contract_end)

    def _churn(self, firm: int, lab: int, v: int, keep: float) -> None:
        self._serve(firm, lab, -1)
        self.race.deployment_changed(firm, -1)
        self._churned[lab][v] += 1
        self.log.add(self.env.now, Event.CHURN, lab, v, firm, keep)
        self._cool_down(firm)
        self._schedule_adoption()

    def _serve(self, firm: int, lab: int, sign: int) -> None:
        """Start (+1) or stop (-1) serving a deployed firm: counts and data flow."""
        v = self.vertical_of[firm]
        if sign > 0:
            self._state[firm], self._lab_of[firm] = DEPLOYED, lab
        self._deployed[lab][v] += sign
        self.ledger.change_exposure(lab, v, self.env.now, deployed=sign * self.share[firm])

    def _engage(self, firm: int, sign: int) -> None:
        """The firm starts (+1) or stops (-1) integrating: a user unless it uses AI lightly."""
        if not self._light[firm]:
            self._users[self.vertical_of[firm]] += sign

    def _cool_down(self, firm: int) -> None:
        self._engage(firm, -1)
        self._state[firm], self._lab_of[firm] = COOLDOWN, -1
        self._after(self._cooldown[self.vertical_of[firm]], firm, self._on_cooled)

    def _on_cooled(self, firm: int) -> None:
        self._state[firm] = IDLE
        self.race.join(firm)
        self._schedule_adoption()

    # ------------------------------------------------------------ helpers

    def _fit(self, firm: int, lab: int) -> float:
        """Whether the value realised with real capability covers the firm's cost: s(C(1-π) - θ)."""
        v = self.vertical_of[firm]
        realised = self._capability[lab][v] * self._kept[lab]
        return smooth_step_at(realised - self._threshold[firm], self.terms.settings.gate_width)
