"""The what-if page's server: the page, its levers, and paired runs on request.

Each request runs the changed scenario with the seed of the unchanged one (common
random numbers: both see the same draws until the change), so the difference is the
lever's, not the noise's. The unchanged run is kept. Runs are taken one at a time.
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

from econsim.engine import simulate
from econsim.report.data import summary_rows
from econsim.report.interactive import to_plotly
from econsim.report.whatif_charts import whatif_charts
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
    _unchanged_rows: list[list[str]] = field(init=False)
    _unchanged_totals: dict[str, str] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if self.vertical not in self.scenario.verticals:
            known = ", ".join(self.scenario.vertical_names)
            raise ScenarioError(f"--vertical {self.vertical}", [f"not one of {known}"])
        self.levers = {lever.key: lever for lever in levers_for(self.scenario, self.vertical)}
        self.unchanged = simulate(self.scenario, self.seed)
        _, self._unchanged_rows, self._unchanged_totals = summary_rows(self.unchanged)

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
        header, rows, totals = summary_rows(changed)
        return {
            "charts": [json.loads(to_plotly(chart).to_json()) for chart in charts],
            "table": _paired_table(header, self._unchanged_rows, rows),
            "totals": {
                name: before if before == totals[name] else f"{before} → {totals[name]}"
                for name, before in self._unchanged_totals.items()
            },
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
