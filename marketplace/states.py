"""Explicit transition tables for the marketplace's state machines.

Bookings, payments, pools, pledges and invoices each declare one table:
where every status may go next. A transition function asks the table with
``step``; asking to go where the record already is answers False (nothing
to do), so every transition is safe to call twice, and a step the table does
not allow is refused rather than silently moving a record backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class TransitionRefused(ValueError):
    """A record cannot move from its status to the one asked for."""


class Transitions:
    def __init__(self, name: str, table: Mapping[str, Iterable[str]]):
        self.name = name
        self.table = {source: frozenset(targets) for source, targets in table.items()}
        known = set(self.table) | {t for targets in self.table.values() for t in targets}
        missing = known - set(self.table)
        if missing:
            raise ValueError(f"{name}: no row for {sorted(missing)}")

    def allows(self, current: str, to: str) -> bool:
        return to in self.table[current]

    def step(self, current: str, to: str) -> bool:
        """True if ``current`` moves to ``to``; False if it is there already; else refused."""
        if current == to:
            return False
        if not self.allows(current, to):
            raise TransitionRefused(f"A {self.name} cannot go from {current} to {to}.")
        return True

    def final(self, status: str) -> bool:
        return not self.table[status]
