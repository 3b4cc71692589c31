"""Benchmarks that print the figures docs/performance.md quotes (medians of several runs)."""
