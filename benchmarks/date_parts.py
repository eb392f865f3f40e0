"""Do a date column's circles (day of year, time of day) beat linear parts? ``python benchmarks/date_parts.py``

A date column gives TabularNet the day of the year and the time of day on a
circle (sin and cos, skdeep/tabular/dates.py) besides its linear parts, each
binned. This compares three tables of the same timestamps on synthetic
targets (3,000 training rows over three years, 1,000 test rows, 2 seeds):

* ``circles``: the date column itself (skdeep's parts);
* ``linear``: the same parts as numeric columns, with the day of the year and
  the time of day as plain numbers instead of circles;
* ``both``: the date column plus those two plain numbers.

Targets: an annual cycle, a daily cycle, and narrow peaks around New Year and
midnight (where a linear part jumps), each with noise. Prints the test R²
per seed and its mean.
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

from skdeep import TabularNetRegressor


def timestamps(n, seed):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2018-01-01")
    return pd.Series(start + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s"))


def target(kind, when, rng):
    year_turn = (when.dt.day_of_year.to_numpy() - 1 + when.dt.hour.to_numpy() / 24) / 365.25
    day_turn = (when.dt.hour.to_numpy() + when.dt.minute.to_numpy() / 60) / 24
    n = len(when)
    if kind == "annual":
        return np.sin(2 * np.pi * (year_turn - 0.1)) + 0.3 * rng.normal(size=n)
    if kind == "daily":
        return np.cos(2 * np.pi * (day_turn - 0.1)) + 0.3 * rng.normal(size=n)
    # Peaks at New Year and at midnight, on both sides of the wrap.
    return (np.exp(-(np.minimum(year_turn, 1 - year_turn) / 0.05) ** 2)
            + 0.5 * np.exp(-(np.minimum(day_turn, 1 - day_turn) / 0.1) ** 2) + 0.2 * rng.normal(size=n))


def linear_parts(when):
    midnight = when.dt.normalize()
    return pd.DataFrame({
        "days": (when - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400,
        "year": when.dt.year, "month": when.dt.month, "day": when.dt.day, "dayofweek": when.dt.day_of_week,
        "dayofyear": when.dt.day_of_year, "hour": when.dt.hour, "minute": when.dt.minute,
        "timeofday": (when - midnight).dt.total_seconds() / 86400,
    }).astype(float)


def tables(when, noise):
    linear = linear_parts(when)
    return {
        "circles": pd.DataFrame({"when": when, "noise": noise}),
        "linear": linear.assign(noise=noise),
        "both": pd.DataFrame({"when": when, "dayofyear": linear["dayofyear"], "timeofday": linear["timeofday"],
                              "noise": noise}),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--max-iter", type=int, default=60)
    args = parser.parse_args()
    for kind in ("annual", "daily", "edges"):
        scores = {}
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            when = timestamps(4000, seed)
            y = target(kind, when, rng)
            for name, X in tables(when, rng.normal(size=len(when))).items():
                started = time.perf_counter()
                model = TabularNetRegressor(random_state=seed, max_iter=args.max_iter).fit(X[:3000], y[:3000])
                score = r2_score(y[3000:], model.predict(X[3000:]))
                scores.setdefault(name, []).append((score, time.perf_counter() - started,
                                                    model.preprocessor_.n_features_out_))
        for name, runs in scores.items():
            r2 = [run[0] for run in runs]
            print(f"{kind:7} {name:8} R² {np.mean(r2):.4f} (seeds: {', '.join(f'{s:.4f}' for s in r2)}), "
                  f"{runs[0][2]} inputs, {np.mean([run[1] for run in runs]):.1f} s a fit", flush=True)


if __name__ == "__main__":
    main()
