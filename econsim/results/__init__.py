"""A run's frames, their parquet folder, and the summary metrics derived from them."""

from econsim.results.run import Results, read_provenance, read_results

__all__ = ["Results", "read_provenance", "read_results"]
