#!/usr/bin/python3
"""scipy's linear_sum_assignment on the cost matrices `./cpm bench` solves (for the hungarian_ratio row).

Usage: hungarian_ref.py FILE, where FILE holds for each matrix a line "rows cols" and then its rows.
Each matrix is solved in batches of calls after a warm-up, for at least 0.4 s; the median CPU time per call is
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
        t1 = time.thread_time()
        rows, cols = linear_sum_assignment(m)
        per = int(max(1, min(100000, 0.002 / max(1e-7, time.thread_time() - t1))))
        times, wall = [], []
        end = time.perf_counter() + 0.4
        while len(times) < 15 or time.perf_counter() < end:
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(per):
                rows, cols = linear_sum_assignment(m)
            wall.append((time.perf_counter() - t0) * 1e6 / per)
            times.append((time.thread_time() - c0) * 1e6 / per)
            if len(times) >= 2000:
                break
        print("scipy_hungarian_us,us,%.4f,size=%dx%d scipy %s linear_sum_assignment CPU time per call median of %d batches"
              " of %d (wall %.3f us) cost=%.6f" % (statistics.median(times), m.shape[0], m.shape[1], scipy.__version__,
                                                  len(times), per, statistics.median(wall), m[rows, cols].sum()))


if __name__ == "__main__":
    main()
