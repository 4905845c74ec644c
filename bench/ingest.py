"""CSV ingest with detection, against bare ``pandas.read_csv`` told the right answers.

    python -m bench.ingest [--quick] [--repeat 3]

A seeded table of 1,000,000 rows (``--quick``: 50,000) by 20 columns -- 12 numeric (some with
missing cells), 2 whole-number, 5 categorical strings and one with accented labels -- is written
to a temporary CSV. Ours is ``core.io.load_csv(path)``, which detects the encoding, delimiter,
decimal mark and thousands separator; against is ``pandas.read_csv(path, encoding=..., sep=...)``
given those answers; the two alternate, ``--repeat`` times each, and the medians are compared.
The target is ours at most 1.3x the bare time. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import os
import statistics
import tempfile

import numpy as np
import pandas as pd

from bench.common import SEED, Row, median_time, standalone

TARGET_RATIO = 1.3
CITIES = ["Lisboa", "São Paulo", "München", "Zürich", "Kraków", "Málaga", "Genève", "Paris"]


def ingest_frame(n: int, seed: int = SEED) -> pd.DataFrame:
    """20 mixed columns: numbers with and without gaps, whole numbers, labels, accented labels."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(12):
        values = rng.normal(100 * i, 10 + i, n).round(3)
        if i % 3 == 0:
            values[rng.random(n) < 0.05] = np.nan
        cols[f"num_{i}"] = values
    cols["count_0"] = rng.integers(0, 1000, n)
    cols["count_1"] = rng.integers(-50, 50, n)
    for i in range(5):
        labels = np.array([f"level_{chr(97 + k)}" for k in range(4 + 2 * i)], dtype=object)
        col = labels[rng.integers(0, len(labels), n)]
        if i == 4:
            col[rng.random(n) < 0.03] = None
        cols[f"cat_{i}"] = col
    cols["city"] = np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), n)]
    return pd.DataFrame(cols)


def write_csv(path: str, n: int, seed: int = SEED) -> None:
    ingest_frame(n, seed).to_csv(path, index=False, encoding="utf-8")


def run(quick: bool, repeat: int) -> list[Row]:
    from core.io import load_csv

    n = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        path = os.path.join(tmp, "ingest.csv")
        write_csv(path, n)
        size = os.path.getsize(path)

        def bare():
            return pd.read_csv(path, encoding="utf-8", sep=",")

        def ours():
            return load_csv(path)

        bare(), ours()  # warm both paths once (imports, page cache)
        # Alternate the two so that both see the same moments of a busy machine.
        bare_times, ours_times = [], []
        for _ in range(max(1, repeat)):
            t, expected = median_time(bare, 1)
            bare_times.append(t)
            t, loaded = median_time(ours, 1)
            ours_times.append(t)
        against, ours_s = statistics.median(bare_times), statistics.median(ours_times)
    same = loaded.frame.shape == expected.shape and loaded.frame.equals(expected)
    rep = loaded.report
    ratio = ours_s / against
    return [Row(
        path="CSV ingest with detection",
        ours=f"core.io.load_csv (detects encoding, delimiter, decimal, thousands), {n:,} rows x 20 cols",
        against="pandas.read_csv(encoding='utf-8', sep=',') told the answers",
        ours_value=ours_s, against_value=against, unit="s",
        ratio=f"{ratio:.2f}x",
        target=f"<= {TARGET_RATIO}x bare",
        met=ratio <= TARGET_RATIO,
        note=(f"{size / 1e6:.0f} MB file; detected {rep.encoding}, {rep.delimiter!r}, decimal {rep.decimal!r}, "
              f"thousands {rep.thousands!r}; frame {'identical to' if same else 'DIFFERS from'} bare pandas"),
        details={"rows": n, "file_bytes": size, "ours_s": round(ours_s, 4), "bare_s": round(against, 4),
                 "identical": same},
    )]


def main(argv: list[str] | None = None) -> None:
    standalone(run, "python -m bench.ingest", "50,000 rows instead of 1,000,000", argv)


if __name__ == "__main__":
    main()
