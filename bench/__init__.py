"""Benchmarks. `make bench` runs every bench/bench_*.py module's `run()`; each prints lines
of the form `bench: NAME = VALUE UNIT` (ratios as `bench: NAME_ratio = X`)."""
