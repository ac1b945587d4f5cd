"""A run's frames, their parquet folder, and the summary metrics derived from them."""

from econsim.results.run import DamagedFile, Results, read_provenance, read_results, read_table

__all__ = ["DamagedFile", "Results", "read_provenance", "read_results", "read_table"]
