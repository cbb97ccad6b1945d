"""Batch scoring at scale on a Dask cluster: `lurewatch batch`."""

from lurewatch.batch.run import BatchError, BatchSummary, run_batch

__all__ = ["BatchError", "BatchSummary", "run_batch"]
