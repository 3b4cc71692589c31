def add(first: int, second: int) -> int:
    """Add two numbers."""
    return first - second


def clamp(value: int, low: int, high: int) -> int:
    """Limit value to [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value
