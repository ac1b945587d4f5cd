"""``econsim calibrate``: the posterior of a calibration spec, written to a folder."""

from __future__ import annotations

import os
from pathlib import Path

import click

from econsim.cli.common import check_writable, new_folder, quiet_option, workers_option
from econsim.cli.execution import study_errors


@click.command()
@click.argument("spec", default="baseline")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Calibration folder; rerun with the same folder (and spec) to resume.",
)
@workers_option
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run the particles on an existing Dask cluster, e.g. tcp://10.0.0.5:8786.",
)
@quiet_option
def calibrate(
    spec: str, out: Path | None, workers: int | None, scheduler: str | None, quiet: bool
) -> None:
    """ABC-SMC posterior of a calibration SPEC (a file, or a bundled one's name).

    Held-out observations are checked as predictions; see docs/calibration.md.
    """
    from econsim.experiments.calibration.inference import calibrate as run
    from econsim.experiments.calibration.inference import load_calibration
    from econsim.extras import require

    require("pyabc", "econsim calibrate")  # before an hour of runs, not after
    require("matplotlib", "econsim calibrate (its figures)", extra="calibrate")
    require("plotly", "econsim calibrate (its page)", extra="calibrate")
    with study_errors():
        calibration = load_calibration(spec)
        folder = out or new_folder("runs", f"calibration-{calibration.name}")
        check_writable(folder.parent)
        posterior = run(calibration, folder, workers or os.cpu_count() or 1, scheduler=scheduler)
        from econsim.report.calibration_page import write_calibration_views

        written = write_calibration_views(posterior, folder)
    if quiet:
        return
    click.echo(posterior.describe())
    click.echo(
        f"wrote {folder}/ posterior.parquet parameters.parquet diagnostics.parquet "
        "predictive.parquet " + " ".join(path.name for path in written)
    )
