"""The what-if page's server: the page, its levers, and paired replications on request.

Each request runs the changed scenario once per replication, each with the seed of
the unchanged scenario's replication (common random numbers: both see the same
draws until the change), on the local workers. The page shows each difference with
its interval over the replications, and says which intervals span zero: those are
noise, not effects. The unchanged replications are kept. Requests run one at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any, NoReturn

import polars as pl

from econsim.experiments.calibration.posterior import PosteriorSample
from econsim.experiments.executors import Executor, executor_for
from econsim.report.interactive import to_plotly
from econsim.report.whatif_charts import whatif_charts
from econsim.scenario import Scenario, ScenarioError
from econsim.web.levers import Lever, levers_for
from econsim.web.pairs import Outcome, band, differences, mean_breadth, outcome
from econsim.world.streams import replication_seeds

MAX_BODY = 64_000  # bytes: a request is a handful of lever values
ONLY_THIS_SERVER = "default-src 'self' 'unsafe-inline'; img-src 'self' data:"  # no other host


@dataclass
class WhatIf:
    """A scenario at a reduced firm count, its unchanged replications, and the page's levers.

    ``replications`` paired runs behind each redraw, on ``workers`` local processes.
    With a ``posterior`` each replication draws its parameter set by its seed, the
    same for the unchanged run and the what-if; ``pinned`` (what ``--set`` gave) and
    the levers are set after the draw.
    """

    scenario: Scenario
    seed: int
    vertical: str
    replications: int = 6
    workers: int = 1
    posterior: PosteriorSample | None = None
    pinned: dict[str, Any] = field(default_factory=dict)
    levers: dict[str, Lever] = field(init=False)
    unchanged: list[Outcome] = field(init=False)
    _seeds: list[int] = field(init=False)
    _bases: list[Scenario] = field(init=False)
    _executor: Executor = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if self.vertical not in self.scenario.verticals:
            known = ", ".join(self.scenario.vertical_names)
            raise ScenarioError(f"--vertical {self.vertical}", [f"not one of {known}"])
        self.levers = {lever.key: lever for lever in levers_for(self.scenario, self.vertical)}
        self._seeds = replication_seeds(self.seed, self.replications)
        self._bases = [
            self.posterior.draw(self.scenario, seed)[1].override(self.pinned)
            if self.posterior
            else self.scenario
            for seed in self._seeds
        ]
        self._executor = executor_for(self.workers, None)
        self.unchanged = self._replicate({})

    def _replicate(self, changes: dict[str, Any]) -> list[Outcome]:
        """One run per replication seed, in seed order, each with ``changes`` applied."""
        pairs = zip(self._bases, self._seeds, strict=True)
        tasks = [(base.override(changes) if changes else base, seed) for base, seed in pairs]
        done = list(self._executor.map(_numbered, list(enumerate(tasks))))  # as they finish
        return [row["outcome"] for row in sorted(done, key=lambda row: int(row["number"]))]

    def run(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Charts and the differences from the unchanged runs (ValueError: bad input)."""
        checked = {}
        for key, value in changes.items():
            if key not in self.levers:
                raise ValueError(f"{key}: not a lever of this page")
            checked[key] = self.levers[key].check(value)
        try:
            self.scenario.override(checked)  # refused here, before any run
        except ScenarioError as error:
            raise ValueError("; ".join(error.problems)) from None
        clock = time.perf_counter()
        with self._lock:
            changed = self._replicate(checked) if checked else self.unchanged
        charts = whatif_charts(
            self.scenario.vertical_names,
            (band(self.unchanged), mean_breadth(self.unchanged)),
            (band(changed), mean_breadth(changed)),
            self.replications,
        )
        return {
            "charts": [json.loads(to_plotly(chart).to_json()) for chart in charts],
            "differences": _rows(differences(self.unchanged, changed)),
            "replications": self.replications,
            "seconds": round(time.perf_counter() - clock, 2),
        }

    def close(self) -> None:
        """Stop the worker processes."""
        self._executor.close()


def _numbered(item: tuple[int, tuple[Scenario, int]]) -> dict[str, Any]:
    """A replication's outcome with its number (workers hand them back as they finish)."""
    number, task = item
    return {"number": number, "outcome": outcome(task)}


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    """The differences as the page's script reads them (JSON has no NaN)."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in table.iter_rows(named=True)
    ]


class Refused(ValueError):
    """A request the page will not take: its status and message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def serve_page(whatif: WhatIf, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A server for the page (not yet serving: call ``serve_forever``).

    It answers only its own routes, only to requests addressed to it by name (a page
    elsewhere cannot post to it, nor reach it by rebinding a domain name), and a
    request it cannot run gets a JSON error with a message, never a dropped line.
    """
    template = files("econsim.web").joinpath("page.html").read_text(encoding="utf-8")
    name = json.dumps(whatif.scenario.name).replace("<", "\\u003c")  # inert in <script>
    page = template.replace("__SCENARIO__", name).encode()
    plotly_js = files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    levers = json.dumps([lever.to_json() for lever in whatif.levers.values()]).encode()
    routes = {
        "/": (page, "text/html; charset=utf-8"),
        "/plotly.js": (plotly_js, "text/javascript"),
        "/levers": (levers, "application/json"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(lambda: routes[self.path] if self.path in routes else _missing())

        def do_POST(self) -> None:
            self._answer(self._run)

        def _run(self) -> tuple[bytes, str]:
            if self.path != "/run":
                _missing()
            if self.headers.get_content_type() != "application/json":
                raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the levers as JSON")
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                raise Refused(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is needed") from None
            if not 0 <= length <= MAX_BODY:
                raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            changes = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("expected an object of lever values")
            return json.dumps(whatif.run(changes)).encode(), "application/json"

        def _answer(self, respond: Callable[[], tuple[bytes, str]]) -> None:
            try:
                self._check_host()
                body, kind = respond()
                status = HTTPStatus.OK
            except Refused as error:
                status, body, kind = error.status, _error(str(error)), "application/json"
            except ValueError as error:  # bad input; json.JSONDecodeError is one too
                status, body, kind = HTTPStatus.BAD_REQUEST, _error(str(error)), "application/json"
            except Exception as error:  # a run that broke: say so, keep serving
                message = f"the run failed: {type(error).__name__}: {error}"
                status, body, kind = (
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    _error(message),
                    "application/json",
                )
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", ONLY_THIS_SERVER)
            self.end_headers()
            self.wfile.write(body)

        def _check_host(self) -> None:
            port = listening.server_address[1]
            if self.headers.get("Host") not in {f"{n}:{port}" for n in (host, "localhost")}:
                raise Refused(HTTPStatus.FORBIDDEN, "address this page by its own host and port")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the terminal shows the address and errors, not every request."""

    listening = ThreadingHTTPServer((host, port), Handler)
    return listening


def _missing() -> NoReturn:
    raise Refused(HTTPStatus.NOT_FOUND, "no such page")


def _error(message: str) -> bytes:
    return json.dumps({"error": message}).encode()
