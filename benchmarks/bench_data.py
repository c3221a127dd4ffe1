"""Speed of the data layer: loading bundled datasets and parsing formulas.

Run with ``make bench`` or ``python benchmarks/bench_data.py``. Prints one line per measurement
(best of 3 runs, one process, one core).
"""

from __future__ import annotations

import time

from matterlearn.data import composition_matrix
from matterlearn.data._composition import _parse
from matterlearn.datasets import load


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    for name in ("matbench_steels", "matbench_expt_gap", "matbench_mp_e_form",
                 "elastic_tensor_2015", "tawo_dft"):
        t = best_of(lambda name=name: load(name), repeat=2)
        print(f"load {name:24s} {t:8.3f} s")
    formulas = load("matbench_mp_e_form").inputs[:10000]

    def parse_cold() -> None:
        _parse.cache_clear()
        composition_matrix(formulas)

    t = best_of(parse_cold)
    print(f"composition_matrix, 10,000 mp_e_form formulas (no cache) {t:8.3f} s "
          f"({len(formulas) / t:,.0f} formulas/s)")


if __name__ == "__main__":
    main()
