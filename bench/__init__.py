"""Benchmarks: each figure measured beside its reference in the same run (python -m bench)."""
