"""The what-if page's server: the page, its levers, and paired runs on request.

Each request runs the changed scenario with the seed of the unchanged one (common
random numbers: both see the same draws until the change), so the difference is the
lever's, not the noise's. The unchanged run is kept. Runs are taken one at a time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any

from econsim.engine import simulate
from econsim.report.charts import whatif_charts
from econsim.report.data import summary_rows
from econsim.report.interactive import to_plotly
from econsim.results import Results
from econsim.scenario import Scenario, ScenarioError
from econsim.web.levers import Lever, levers_for

MAX_BODY = 64_000  # bytes: a request is a handful of lever values
ONLY_THIS_SERVER = "default-src 'self' 'unsafe-inline'; img-src 'self' data:"  # no other host


@dataclass
class WhatIf:
    """A scenario at a reduced firm count, its unchanged run, and the page's levers."""

    scenario: Scenario
    seed: int
    vertical: str
    levers: dict[str, Lever] = field(init=False)
    unchanged: Results = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if self.vertical not in self.scenario.verticals:
            known = ", ".join(self.scenario.vertical_names)
            raise ScenarioError(f"--vertical {self.vertical}", [f"not one of {known}"])
        self.levers = {lever.key: lever for lever in levers_for(self.scenario, self.vertical)}
        self.unchanged = simulate(self.scenario, self.seed)

    def run(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Charts and the table of the what-if against the unchanged run (ValueError: bad input)."""
        checked = {}
        for key, value in changes.items():
            if key not in self.levers:
                raise ValueError(f"{key}: not a lever of this page")
            checked[key] = self.levers[key].check(value)
        try:
            changed_scenario = self.scenario.override(checked)
        except ScenarioError as error:
            raise ValueError("; ".join(error.problems)) from None
        clock = time.perf_counter()
        with self._lock:
            changed = simulate(changed_scenario, self.seed)
        charts = whatif_charts(self.unchanged, changed)
        header, base_rows, _ = summary_rows(self.unchanged)
        _, rows, totals = summary_rows(changed)
        return {
            "charts": [json.loads(to_plotly(chart).to_json()) for chart in charts],
            "table": _paired_table(header, base_rows, rows),
            "totals": totals,
            "seconds": round(time.perf_counter() - clock, 2),
        }


def _paired_table(
    header: list[str], before: list[list[str]], after: list[list[str]]
) -> dict[str, Any]:
    """Each vertical's row: the unchanged value → the what-if value, per column."""
    rows = [
        [b[0], *(x if x == y else f"{x} → {y}" for x, y in zip(b[1:], a[1:], strict=True))]
        for b, a in zip(before, after, strict=True)
    ]
    return {"header": header, "rows": rows}


def serve_page(whatif: WhatIf, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A server for the page (not yet serving: call ``serve_forever``)."""
    template = files("econsim.web").joinpath("page.html").read_text(encoding="utf-8")
    page = template.replace("__SCENARIO__", json.dumps(whatif.scenario.name))
    plotly_js = files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    levers = json.dumps([lever.to_json() for lever in whatif.levers.values()]).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            routes = {
                "/": (page.encode(), "text/html; charset=utf-8"),
                "/plotly.js": (plotly_js, "text/javascript"),
                "/levers": (levers, "application/json"),
            }
            if self.path not in routes:
                self._send(HTTPStatus.NOT_FOUND, b'{"error": "no such page"}', "application/json")
                return
            self._send(HTTPStatus.OK, *routes[self.path])

        def do_POST(self) -> None:
            if self.path != "/run":
                self._send(HTTPStatus.NOT_FOUND, b'{"error": "no such page"}', "application/json")
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                if length > MAX_BODY:
                    raise ValueError("request too large")
                changes = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected an object of lever values")
                answer = whatif.run(changes)
            except ValueError as error:  # json.JSONDecodeError is a ValueError too
                body = json.dumps({"error": str(error)}).encode()
                self._send(HTTPStatus.BAD_REQUEST, body, "application/json")
                return
            self._send(HTTPStatus.OK, json.dumps(answer).encode(), "application/json")

        def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", ONLY_THIS_SERVER)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the terminal shows the address and errors, not every request."""

    return ThreadingHTTPServer((host, port), Handler)
