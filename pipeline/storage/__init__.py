"""Storage: the run's inputs (streamed match, the run's SQLite file), incremental state,
staging and the atomic commit, and in-place rewrites of staged Parquet files."""
