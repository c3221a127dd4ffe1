"""A calculator that takes its time (EMT after a pause): lets a test interrupt a labelling run."""

from __future__ import annotations

import time

from ase.calculators.emt import EMT


class SlowEMT(EMT):
    def calculate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        super().calculate(*args, **kwargs)
