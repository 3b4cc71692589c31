"""The changed line ranges between two texts, in time that grows with the change, not the file."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

# Past this many inserted plus deleted lines the middle is replaced whole: a correct edit, only
# coarser, and the search stays bounded on two texts that have little in common.
MAX_EDIT_DISTANCE = 2000

# (old start, old end, new start, new end): old[old start:old end] becomes new[new start:new end].
Hunk = tuple[int, int, int, int]


def changed_ranges(old: Sequence[str], new: Sequence[str]) -> list[Hunk]:
    """The fewest-lines hunks turning `old` into `new`, in order.

    Generated code lands in a few places of a long module (the import block, the prompt, the end),
    so the common head and tail are skipped first and Myers' O((N + M) D) search runs on the rest;
    difflib's SequenceMatcher, quadratic on a module's many repeated lines (blank lines,
    `return result`), took 11 s on 20,000 lines.
    """
    head = _common_head(old, new)
    tail = _common_tail(old, new, head)
    old_end, new_end = len(old) - tail, len(new) - tail
    if head == old_end or head == new_end:
        return [] if (head == old_end and head == new_end) else [(head, old_end, head, new_end)]
    path = _myers_path(old[head:old_end], new[head:new_end])
    if path is None:
        return [(head, old_end, head, new_end)]
    return [(a + head, b + head, c + head, d + head) for a, b, c, d in _hunks(path)]


def _common_head(old: Sequence[str], new: Sequence[str]) -> int:
    limit = min(len(old), len(new))
    index = 0
    while index < limit and old[index] == new[index]:
        index += 1
    return index


def _common_tail(old: Sequence[str], new: Sequence[str], head: int) -> int:
    limit = min(len(old), len(new)) - head
    count = 0
    while count < limit and old[-1 - count] == new[-1 - count]:
        count += 1
    return count


def _myers_path(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]] | None:
    """The points (x, y) where a shortest edit script leaves a run of equal lines, from the end
    back to (0, 0); None past MAX_EDIT_DISTANCE."""
    n, m = len(old), len(new)
    furthest = {1: 0}  # diagonal k = x - y -> the furthest x reached on it
    history: list[dict[int, int]] = []
    for distance in range(min(n + m, MAX_EDIT_DISTANCE) + 1):
        history.append(dict(furthest))
        for k in range(-distance, distance + 1, 2):
            down = k == -distance or (k != distance and furthest[k - 1] < furthest[k + 1])
            x = furthest[k + 1] if down else furthest[k - 1] + 1
            y = x - k
            while x < n and y < m and old[x] == new[y]:
                x, y = x + 1, y + 1
            furthest[k] = x
            if x >= n and y >= m:
                return _backtrack(history, distance, n, m)
    return None


def _backtrack(
    history: list[dict[int, int]], distance: int, n: int, m: int
) -> list[tuple[int, int]]:
    """The moves of the script found at `distance`, as (x, y) points from (n, m) back."""
    points = [(n, m)]
    x, y = n, m
    for d in range(distance, 0, -1):
        before = history[d]
        k = x - y
        down = k == -d or (k != d and before[k - 1] < before[k + 1])
        previous_k = k + 1 if down else k - 1
        previous_x = before[previous_k]
        previous_y = previous_x - previous_k
        # The snake: equal lines back to where the move landed
        start_x = previous_x if down else previous_x + 1
        start_y = start_x - k
        points.append((start_x, start_y))
        points.append((previous_x, previous_y))
        x, y = previous_x, previous_y
    points.append((0, 0))
    return points


def _hunks(points: list[tuple[int, int]]) -> list[Hunk]:
    """Consecutive moves (insertions, deletions) between equal runs, joined into hunks."""
    forward = points[::-1]
    hunks: list[Hunk] = []
    for (x1, y1), (x2, y2) in itertools.pairwise(forward):
        if x2 - x1 == y2 - y1:  # a run of equal lines (or nothing)
            continue
        if hunks and hunks[-1][1] == x1 and hunks[-1][3] == y1:
            start_x, _, start_y, _ = hunks[-1]
            hunks[-1] = (start_x, x2, start_y, y2)
        else:
            hunks.append((x1, x2, y1, y2))
    return hunks
