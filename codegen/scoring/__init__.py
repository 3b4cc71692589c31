"""Scores: the seed's static quality rules and findings, incremental scoring, weave scorers."""
