"""Synthetic PROGRES-IJ extracts for demos, tests and benchmarks (invented people only)."""

from progres_synth.extract import CASES, DEFAULT_PERSONS, DEFAULT_SEED, ENCODINGS, extract_records, write_extract

__all__ = ["CASES", "DEFAULT_PERSONS", "DEFAULT_SEED", "ENCODINGS", "extract_records", "write_extract"]
