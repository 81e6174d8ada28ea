"""An index over one of the book's history lists (deals, finished orders): by time, position and ticket.

The trade server's history only grows: records are appended (by trades, balance operations, a journal
replay), never removed, and their keys are final once the call that wrote them has returned. So the index
catches up with the records appended since it last looked, and a query reads a slice of a time-sorted
list (bisect) or one bucket of a dict instead of scanning the whole history. Answers come in the list's
own order, exactly as a scan would give them; `Queries` still applies every filter to what the index
returns, so the index only has to return a superset in that order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")


class HistoryIndex(Generic[R]):
    """Positions in a growing list of records, by time (msc), by position id and by ticket."""

    def __init__(
        self,
        records: Callable[[], list[R]],
        *,
        time: Callable[[R], int],
        position: Callable[[R], int],
        ticket: Callable[[R], int],
    ) -> None:
        self._records = records
        self._time, self._position, self._ticket = time, position, ticket
        self._reset([])

    def _reset(self, source: list[R]) -> None:
        self._source = source
        self._seen = 0
        # Sorted by (time, index): the times, and the list index of the record at each place.
        self._times: list[int] = []
        self._order: list[int] = []
        self._in_order = True  # every record was appended no earlier than the one before it
        self._by_position: dict[int, list[int]] = {}
        self._by_ticket: dict[int, list[int]] = {}

    def _catch_up(self) -> list[R]:
        source = self._records()
        if source is not self._source or len(source) < self._seen:
            self._reset(source)  # the list was replaced (a new book): start again
        times, order = self._times, self._order
        for index in range(self._seen, len(source)):
            record = source[index]
            at = self._time(record)
            if not times or at >= times[-1]:
                times.append(at)
                order.append(index)
            else:  # rare: a record dated before the newest one (an O(n) insert, once)
                place = bisect_right(times, at)  # after the equal times: their indices are smaller
                times.insert(place, at)
                order.insert(place, index)
                self._in_order = False
            self._by_position.setdefault(self._position(record), []).append(index)
            self._by_ticket.setdefault(self._ticket(record), []).append(index)
        self._seen = len(source)
        return source

    def between(self, lo: int, hi: int) -> list[R]:
        """Records with lo <= time <= hi, in list order."""
        source = self._catch_up()
        times = self._times
        indices = self._order[bisect_left(times, lo) : bisect_right(times, hi)]
        if not self._in_order:
            indices.sort()
        return [source[index] for index in indices]

    def of_position(self, position: int) -> list[R]:
        """Records of one position id, in list order."""
        source = self._catch_up()
        return [source[index] for index in self._by_position.get(position, ())]

    def of_ticket(self, ticket: int) -> list[R]:
        """Records under one ticket (a deal's order ticket, an order's own), in list order."""
        source = self._catch_up()
        return [source[index] for index in self._by_ticket.get(ticket, ())]
