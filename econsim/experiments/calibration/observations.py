"""What has been observed, with its uncertainty, and which observations a fit may use.

Every observation names its source (``../shared/CALIBRATION.md`` and
``docs/calibration.md``) and carries the interval within which a run matches it.
Rows up to 2024 are fitted and later ones held out, the software gap included: the
2024 gap (SWE-bench+) is fitted, METR's of 2026 held out. Sector readings of the first
survey set the adoption each vertical starts from (``initial_adoption``), and GPT-4
(trained by mid-2022) the software capability the run starts from, so they are not
checks.

Intervals:

- US firms (Census BTOS) and EU firms (Eurostat): a factor of 1.25 either way.
  Adjacent BTOS waves differ by up to a quarter (3.7% in Sep 2023, 3.9% in Oct-Nov
  2023) and the model reads "using AI to produce goods or services" as piloting or
  running a model.
- Sectors: a factor of 1.5, for smaller samples and because the model's verticals
  match survey sectors only roughly.
- Software capability: METR's horizon interval where published (Claude 3.7 Sonnet,
  Claude Opus 4.6), otherwise a factor of 2 in horizon, typical of METR's per-model
  intervals; mapped to capability like the value (``horizons.py``).
- Software gap, 2024: SWE-agent with GPT-4 resolved 12.47% of SWE-bench's issues by
  its tests and 3.97% once patches whose solution was in the issue or whose tests
  were too weak to check them are set aside (Aleithan et al. 2024, "SWE-Bench+",
  arXiv 2410.06992): a ratio of 3.14, within a factor of 1.5 for the screening's
  judgement calls and the small count (~90 patches).
- Software gap, 2026: graders pass 24.2 points more agent PRs than maintainers merge
  (standard error 2.7) on a 48% maintainer rate: the ratio 72/48 within ±2 SE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from econsim.experiments.calibration.horizons import horizon_capability

FIT_UNTIL = 2025.0  # series points before this year are fitted, later ones held out


@dataclass(frozen=True)
class Observation:
    """One observed number, its interval, where it was read, and how a run is measured.

    ``kind`` says what a run is measured by: ``adoption`` (share of firms piloting or
    running a model, in ``verticals`` and among firms of at least ``min_size``),
    ``capability`` (the leading lab's real capability in software) or ``gap``
    (benchmark score over real capability of the leading software model).
    """

    measure: str
    kind: str
    time: float
    value: float
    low: float
    high: float
    source: str
    role: str = "fit"
    verticals: tuple[str, ...] = ()
    min_size: float = 0.0


def _adoption(
    measure: str,
    time: float,
    value: float,
    source: str,
    factor: float,
    verticals: tuple[str, ...] = (),
    min_size: float = 0.0,
    role: str | None = None,
) -> Observation:
    role = role or ("fit" if time < FIT_UNTIL else "held out")
    low, high = value / factor, value * factor
    return Observation(
        measure, "adoption", time, value, low, high, source, role, verticals, min_size
    )


def _horizon(
    model: str,
    time: float,
    minutes: float,
    interval: tuple[float, float] | None = None,
    role: str | None = None,
) -> Observation:
    low, high = interval or (minutes / 2, minutes * 2)
    return Observation(
        f"software real capability ({model}: {minutes:g} min METR horizon)",
        "capability",
        time,
        horizon_capability(minutes),
        horizon_capability(low),
        horizon_capability(high),
        "METR time horizons 1.1 (2026), as reproduced publicly; maintainer factor METR 2026",
        role or ("fit" if time < FIT_UNTIL else "held out"),
        ("software",),
    )


def _gap(
    source_name: str,
    time: float,
    ratio: float,
    source: str,
    factor: float = 1.0,
    interval: tuple[float, float] | None = None,
) -> Observation:
    """Software's benchmark score over its real capability: within ``factor`` or ``interval``."""
    low, high = interval or (ratio / factor, ratio * factor)
    return Observation(
        f"software benchmark / real capability ({source_name})",
        "gap",
        time,
        ratio,
        low,
        high,
        source,
        "fit" if time < FIT_UNTIL else "held out",
        ("software",),
    )


NATIONAL, SECTOR = 1.25, 1.5
BTOS = "Census BTOS"
PROFESSIONAL = ("legal", "finance")

OBSERVATIONS = (
    _adoption(
        "US firms using AI", 2023.7, 0.037, f"{BTOS}, Sep 2023 (Bonney et al. 2024)", NATIONAL
    ),
    _adoption(
        "US firms using AI", 2024.1, 0.054, f"{BTOS}, Feb 2024 (Bonney et al. 2024)", NATIONAL
    ),
    _adoption(
        "US firms using AI", 2025.85, 0.10, f"{BTOS}, late 2025 (Minneapolis Fed 2026)", NATIONAL
    ),
    _adoption(
        "EU firms (10+ staff) using AI",
        2023.5,
        0.080,
        "Eurostat isoc_eb_ai 2023",
        NATIONAL,
        min_size=10,
    ),
    _adoption(
        "EU firms (10+ staff) using AI",
        2024.5,
        0.135,
        "Eurostat isoc_eb_ai 2024",
        NATIONAL,
        min_size=10,
    ),
    _adoption(
        "EU firms (10+ staff) using AI",
        2025.5,
        0.200,
        "Eurostat isoc_eb_ai 2025",
        NATIONAL,
        min_size=10,
    ),
    _adoption(
        "information sector using AI",
        2023.85,
        0.138,
        f"{BTOS}, Oct-Nov 2023",
        SECTOR,
        ("software",),
        role="start",
    ),
    _adoption(
        "professional services using AI",
        2023.85,
        0.091,
        f"{BTOS}, Oct-Nov 2023",
        SECTOR,
        PROFESSIONAL,
        role="start",
    ),
    _adoption(
        "least-adopting sectors using AI",
        2024.0,
        0.014,
        f"{BTOS}, Sep 2023-Feb 2024: construction, agriculture (Bonney et al. 2024)",
        SECTOR,
        ("manufacturing", "logistics"),
        role="start",
    ),
    _adoption(
        "information sector using AI",
        2024.1,
        0.18,
        f"{BTOS}, early 2024 (NC Dept of Commerce, 'What industries are using AI')",
        SECTOR,
        ("software",),
    ),
    _adoption(
        "professional services using AI",
        2024.1,
        0.12,
        f"{BTOS}, early 2024 (NC Dept of Commerce)",
        SECTOR,
        PROFESSIONAL,
    ),
    _adoption(
        "least-adopting sectors using AI",
        2024.1,
        0.01,
        f"{BTOS}, early 2024: agriculture, construction 1% (NC Dept of Commerce)",
        SECTOR,
        ("manufacturing", "logistics"),
    ),
    _adoption(
        "EU information & communication (10+ staff) using AI",
        2025.5,
        0.625,
        "Eurostat isoc_eb_ain2 2025, NACE J",
        SECTOR,
        ("software",),
        min_size=10,
    ),
    _adoption(
        "EU professional, scientific & technical (10+ staff) using AI",
        2025.5,
        0.404,
        "Eurostat isoc_eb_ain2 2025, NACE M",
        SECTOR,
        ("legal",),
        min_size=10,
    ),
    _horizon("GPT-4", 2023.2, 3.99, role="start"),  # trained by mid-2022: the start
    _horizon("o1", 2024.95, 38.83),
    _horizon("Claude 3.7 Sonnet", 2025.15, 60.39, (33.4, 107.3)),
    _horizon("GPT-5", 2025.6, 203.01),
    _horizon("Claude Opus 4.5", 2025.9, 292.99),
    _horizon("Claude Opus 4.6", 2026.1, 718.81, (316.7, 3633.8)),
    _gap(
        "SWE-bench+",
        2024.3,
        0.1247 / 0.0397,
        "SWE-Bench+ (Aleithan et al. 2024): SWE-agent + GPT-4 resolves 12.47%, 3.97% without "
        "solution leakage or weak tests",
        factor=1.5,
    ),
    _gap(
        "METR",
        2026.2,
        0.72 / 0.48,
        "METR 2026: graders accept ~72% of agent PRs, maintainers ~48% (SE 2.7 points)",
        interval=((0.48 + 0.242 - 2 * 0.027) / 0.48, (0.48 + 0.242 + 2 * 0.027) / 0.48),
    ),
)


def with_cutoff(observations: tuple[Observation, ...], cutoff: float) -> tuple[Observation, ...]:
    """Rows before ``cutoff`` fitted, later ones held out; the start's rows stay the start."""
    return tuple(
        o if o.role == "start" else replace(o, role="fit" if o.time < cutoff else "held out")
        for o in observations
    )
