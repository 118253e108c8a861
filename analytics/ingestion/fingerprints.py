"""64-bit fingerprints of ids and an exact, compact set of them (numpy, sorted runs).

A fingerprint is the first 8 bytes of the id's MD5, read little-endian: Python and
ClickHouse (``FINGERPRINT_SQL``) compute the same number, so a set loaded from the
store and one kept current in memory agree. Distinct ids collide with probability
~n/2^64; callers treat a hit as "possibly seen" and confirm it in the store, so a
collision costs a lookup, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import md5

import numpy as np

# The same number as ``fingerprint`` for a column or expression ``{expr}``.
FINGERPRINT_SQL = "reinterpretAsUInt64(MD5(toString({expr})))"


def fingerprints(values: Iterable[str]) -> np.ndarray:
    digests = b"".join(md5(value.encode(), usedforsecurity=False).digest()[:8] for value in values)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


class FingerprintSet:
    """Membership of uint64 fingerprints, 8 bytes each.

    Kept as a few sorted runs (like an LSM tree): ``add`` appends a sorted run and
    merges runs of similar size, so adding is amortised O(log n) per value and a
    lookup is one binary search per run (about log2(n / batch) runs).
    """

    def __init__(self, initial: np.ndarray | None = None) -> None:
        self._runs: list[np.ndarray] = []
        if initial is not None and len(initial):
            self._runs.append(np.unique(initial.astype(np.uint64)))

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def contains(self, values: np.ndarray) -> np.ndarray:
        """A boolean per value: True when the value is in the set."""
        found = np.zeros(len(values), dtype=bool)
        for run in self._runs:
            positions = np.searchsorted(run, values)
            positions[positions == len(run)] = 0
            found |= run[positions] == values
        return found

    def add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        self._runs.append(np.unique(values.astype(np.uint64)))
        # Merge while the newest run is at least half the size of the one before it.
        while len(self._runs) > 1 and 2 * len(self._runs[-1]) >= len(self._runs[-2]):
            newest = self._runs.pop()
            self._runs[-1] = np.union1d(self._runs[-1], newest)
