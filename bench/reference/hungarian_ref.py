#!/usr/bin/python3
"""scipy's linear_sum_assignment on the cost matrices `./cpm bench` solves (for the hungarian_ratio row).

Usage: hungarian_ref.py FILE, where FILE holds for each matrix a line "rows cols" and then its rows.
Each matrix is solved repeatedly after a warm-up for at least 0.4 s (and 15 times); the median per call is
printed as a CSV row name,unit,value,detail together with the optimal cost (to check both find the optimum).
"""
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment


def matrices(path):
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        r, c = map(int, lines[i].split())
        m = np.array([[float(v) for v in lines[i + 1 + k].split()] for k in range(r)])
        yield m
        i += 1 + r


def main():
    print("name,unit,value,detail")
    for m in matrices(sys.argv[1]):
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:
            linear_sum_assignment(m)
        times = []
        end = time.perf_counter() + 0.4
        while len(times) < 15 or time.perf_counter() < end:
            t0 = time.perf_counter()
            rows, cols = linear_sum_assignment(m)
            times.append((time.perf_counter() - t0) * 1e6)
            if len(times) >= 200000:
                break
        print("scipy_hungarian_us,us,%.4f,size=%dx%d scipy %s linear_sum_assignment median of %d cost=%.6f"
              % (statistics.median(times), m.shape[0], m.shape[1], scipy.__version__, len(times),
                 m[rows, cols].sum()))


if __name__ == "__main__":
    main()
