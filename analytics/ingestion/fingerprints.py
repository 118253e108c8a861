"""64-bit fingerprints of uuids and an exact, compact set of them (numpy, sorted runs).

A fingerprint is the uuid's two 8-byte halves (in written order, each read
little-endian) XORed: Python and ClickHouse (``FINGERPRINT_SQL``) compute the same
number, so a set loaded from the store and one kept current in memory agree. Random
uuids (v4, and v7's random half) leave at least 62 random bits, so distinct uuids
collide rarely; callers treat a hit as "possibly seen" and confirm it in the store, so
a collision costs a lookup, never a wrong answer. (An MD5 per uuid cost 9x more Python
time in the writer's critical path.)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# The same number as ``fingerprints`` gives, for a UUID column or expression ``{expr}``.
FINGERPRINT_SQL = (
    "bitXor(reinterpretAsUInt64(substring(UUIDStringToNum(toString({expr})), 1, 8)),"
    " reinterpretAsUInt64(substring(UUIDStringToNum(toString({expr})), 9, 8)))"
)


def fingerprints(uuids: Iterable[str]) -> np.ndarray:
    """Fingerprints of canonical uuid texts (hyphenated hex, as ingestion stores them)."""
    halves = np.frombuffer(bytes.fromhex("".join(uuids).replace("-", "")), dtype="<u8")
    return (halves[0::2] ^ halves[1::2]).astype(np.uint64)


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
