"""Ingest, schema inference, profiling and fingerprints of tabular data."""
