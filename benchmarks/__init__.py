"""Benchmarks of b2bcore: ``make bench`` (``python -m benchmarks``); see docs/performance.md."""
