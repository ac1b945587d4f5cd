"""``econsim calibrate``: the posterior of a calibration spec, written to a folder."""

from __future__ import annotations

import os
from pathlib import Path

import click

from econsim.cli.common import check_writable, new_folder, quiet_option
from econsim.cli.execution import study_errors


@click.command()
@click.argument("spec", default="baseline")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Calibration folder; rerun with the same folder (and spec) to resume.",
)
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    help="Local worker processes (default: all cores; 1: this process).",
)
@quiet_option
def calibrate(spec: str, out: Path | None, workers: int | None, quiet: bool) -> None:
    """ABC-SMC posterior of a calibration SPEC (a file, or a bundled one's name).

    Held-out observations are checked as predictions; see docs/calibration.md.
    """
    from econsim.experiments.calibration.inference import calibrate as run
    from econsim.experiments.calibration.inference import load_calibration

    with study_errors():
        calibration = load_calibration(spec)
        folder = out or new_folder("runs", f"calibration-{calibration.name}")
        check_writable(folder.parent)
        posterior = run(calibration, folder, workers or os.cpu_count() or 1)
    if quiet:
        return
    click.echo(f"{'parameter':<36} {'prior 90%':>21}  {'posterior 90%':>21}  {'median':>9}  width")
    for row in posterior.parameters.iter_rows(named=True):
        prior = f"{row['prior_low']:.3g} - {row['prior_high']:.3g}"
        found = f"{row['posterior_low']:.3g} - {row['posterior_high']:.3g}"
        click.echo(
            f"{row['parameter']:<36} {prior:>21}  {found:>21}  "
            f"{row['posterior_median']:>9.3g}  {row['width_ratio']:.2f}"
        )
    diagnostics, checks = posterior.diagnostics, posterior.predictive
    held = checks.filter(checks["role"] == "held out")
    simulations = int(diagnostics["simulations"].sum())
    crps = float(held["crps"].to_numpy().mean()) if held.height else float("nan")
    click.echo(
        f"{diagnostics.height} generations, {simulations} simulations; held out: "
        f"{int(held['inside'].sum())} of {held.height} inside their 90% predictive "
        f"intervals, mean CRPS {crps:.2f} half-widths"
    )
    click.echo(
        f"wrote {folder}/ posterior.parquet parameters.parquet diagnostics.parquet "
        "predictive.parquet"
    )
