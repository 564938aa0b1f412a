"""The defaults the commands show in their help, in one light module (``bascule --help`` imports no pandas)."""

from __future__ import annotations

DEFAULT_DATABASE = "sqlite:///bascule.db"
PARTITION_BYTES = 64 * 2**20  # about 320,000 records; smaller partitions pay more fixed costs
# Smaller than a partition: a chunk of ``bascule migrate`` is one transaction, its rows held while written.
DEFAULT_MIGRATION_CHUNK_BYTES = 16 * 1024 * 1024
SETTLEMENT_LAG_DAYS = 17  # a 14-day settlement period paid 3 days after it ends
OUTPUT_FORMATS = ("parquet", "csv", "json")  # of bascule decode
