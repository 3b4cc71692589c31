"""Benchmarks that print the figures the README quotes (medians of several runs)."""
