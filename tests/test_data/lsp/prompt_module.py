"""Statistics helpers."""
import os

# compute the moving average of a time series
# with a window of n points


def existing(values):
    total = 0
    for value in values:
        total += value
    return total
