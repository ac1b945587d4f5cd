"""A study folder: one hive-partitioned dataset per table, grown one finished run at a time.

    STUDY/
      study.json                          what the study runs (and its fingerprint)
      runs.parquet                        one row per run: parameters, seed, status, metrics
      runs/run_id=N/part-0.parquet        that row, written with the run
      timeseries/run_id=N/part-0.parquet  the run's time series
      summary/run_id=N/part-0.parquet     its summary metrics
      events/run_id=N/part-0.parquet      its event log (with --keep-events)
      .staging/                           partitions being written; never read

Each table is one dataset that polars, DuckDB, pyarrow and pandas read in one call,
with ``run_id`` from the folder names (the files do not repeat it). A worker writes
each partition into ``.staging`` and renames it into place, the run's row last: a
run is finished when its row is there, a rerun skips finished runs and removes the
partial tables of any other, so a killed sweep loses nothing finished. Read it::

    pl.scan_parquet("STUDY/timeseries/*/*.parquet", hive_partitioning=True)
    pd.read_parquet("STUDY/timeseries")            # pyarrow: pq.read_table(same)
    SELECT * FROM read_parquet('STUDY/timeseries/*/*.parquet', hive_partitioning=true)
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from econsim.experiments.study import StudyError
from econsim.results import Results
from econsim.results.parquet import ROWS, runs_units, write_parquet

RUNS, STAGING, STUDY, TABLE = "runs", ".staging", "study.json", "runs.parquet"
RUN_TABLES = ("timeseries", "summary", "events")  # a run's tables, beside its row in runs/
PART = "part-0.parquet"
# a run's row has these types whether it ran or failed, so that the rows' files agree
ROW_TYPES = {"error": pl.String, "traceback": pl.String, "events": pl.Int64}


def partition(root: Path, table: str, run_id: int) -> Path:
    """The folder of one run's part of a table (``runs`` for its row)."""
    return root / table / f"run_id={run_id}"


def table_files(root: Path, table: str) -> list[Path]:
    """Every run's file of one table, in no particular order."""
    return list((root / table).glob(f"run_id=*/{PART}"))


class StudyFolder:
    """The folder of one study: which runs are done, and their consolidated table."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def prepare(self, description: dict[str, Any]) -> None:
        """Create the folder, or check that it holds the same study (to resume it)."""
        manifest = self.path / STUDY
        if manifest.exists():
            held = json.loads(manifest.read_text(encoding="utf-8"))
            if held.get("digest") != description["digest"]:
                raise StudyError(
                    f"--out {self.path}: holds a different study "
                    f"({held.get('name')!r}); name a new folder to start this one"
                )
        elif self.path.exists() and any(self.path.iterdir()):
            raise StudyError(
                f"--out {self.path}: exists and is not a study folder; name a new folder"
            )
        if any((self.path / RUNS).glob("run_id=*/run.parquet")):
            raise StudyError(
                f"--out {self.path}: written by an older econsim (one folder per run); "
                f"name a new folder to run this study again"
            )
        (self.path / RUNS).mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.path / STAGING, ignore_errors=True)  # leftovers of a killed run
        if not manifest.exists():
            write_atomic(manifest, json.dumps(description, indent=2, default=str) + "\n")

    def done(self, retry_failed: bool = False) -> set[int]:
        """Runs already in the folder (failed ones too, unless they are to be retried).

        Tables of a run without a row (killed while it was written, or a failed run
        to retry) are removed, so that the run is written anew.
        """
        finished = set()
        for folder in (self.path / RUNS).glob("run_id=*"):
            if retry_failed and _failed(folder / PART):
                shutil.rmtree(folder)
                continue
            finished.add(_run_id(folder))
        for table in RUN_TABLES:
            for folder in (self.path / table).glob("run_id=*"):
                if _run_id(folder) not in finished:
                    shutil.rmtree(folder)
        return finished

    def consolidate(self) -> pl.DataFrame:
        """Gather every run's row into ``runs.parquet`` (atomically) and return it.

        Rows are scanned in batches under their union schema (read from file
        metadata), so memory follows the table, not the number of files.
        """
        files = sorted(table_files(self.path, RUNS), key=lambda f: _run_id(f.parent))
        schema: dict[str, pl.DataType] = {}
        for file in files:  # failed runs have no metrics, ok runs no traceback
            for name, dtype in pl.read_parquet_schema(file).items():
                schema[name] = _widen(schema.get(name, pl.Null()), dtype)
        cast = pl.ScanCastOptions(integer_cast="allow-float")
        batches = [  # a scan costs memory per file: a hundred at a time keeps it flat
            pl.scan_parquet(
                files[i : i + 100],
                schema=schema,
                missing_columns="insert",
                cast_options=cast,
                hive_partitioning=True,
                hive_schema={"run_id": pl.Int64},
            ).collect()
            for i in range(0, len(files), 100)
        ]
        table = pl.concat(batches).sort("run_id") if batches else pl.DataFrame()
        if batches:
            table = table.select("run_id", pl.exclude("run_id"))
        write_table(table, self.path / TABLE, runs_units(table.columns), ROWS["runs"])
        return table


def write_run(
    root: Path, run_id: int, row: dict[str, Any], results: Results | None, keep_events: bool
) -> None:
    """Write one run's partitions, each whole or not at all, its row last (in workers)."""
    if results is not None:
        for table in RUN_TABLES if keep_events else RUN_TABLES[:-1]:
            place(root, table, run_id, partial(results.write_table, table))
    fields = {k: v for k, v in row.items() if k != "run_id"}  # the folder name says it
    types = {k: ROW_TYPES.get(k, pl.Float64 if k.startswith("metric.") else None) for k in fields}
    frame = pl.DataFrame([fields], schema_overrides={k: t for k, t in types.items() if t})
    place(root, RUNS, run_id, partial(write_parquet, frame))  # place() renames it in


def place(root: Path, table: str, run_id: int, write: Callable[[Path], None]) -> None:
    """Write a partition into the staging folder, then rename it into place."""
    staging = root / STAGING / f"{table}-{run_id}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        write(staging / PART)
        target = partition(root, table, run_id)
        target.parent.mkdir(exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)  # a part left by a run that was killed
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_table(
    table: pl.DataFrame,
    path: Path,
    units: Mapping[str, str] | None = None,
    rows: str | None = None,
) -> None:
    """Write a parquet file by renaming a complete temporary one into place."""
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    write_parquet(table, staging, units=units, rows=rows)
    os.replace(staging, path)


def write_atomic(path: Path, text: str) -> None:
    """Write a small text file by renaming a complete temporary one into place."""
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


def _widen(held: pl.DataType, incoming: pl.DataType) -> pl.DataType:
    """A column type that holds both: nulls take the other type, numbers become floats."""
    if held == incoming or incoming == pl.Null:
        return held
    if held == pl.Null:
        return incoming
    if held.is_numeric() and incoming.is_numeric():
        return pl.Float64()
    return pl.String()


def _failed(path: Path) -> bool:
    row = pl.read_parquet(path, columns=["status"])
    return bool(row["status"][0] != "ok")


def _run_id(folder: Path) -> int:
    return int(folder.name.split("=", 1)[1])
