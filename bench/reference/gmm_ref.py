#!/usr/bin/python3
"""scikit-learn's GaussianMixture on the memory banks `./cpm bench` fits (for the gmm_sklearn_ratio row).

Usage: gmm_ref.py FILE, FILE written by cpm.bench.GmmBench (little-endian): int32 classes, n, dim, components,
iterations; float64 epsilon; float32 banks (classes, n, dim), weights (classes, M), means (classes, M, dim),
variances (classes, M, dim).

Every class is fitted by GaussianMixture(M, covariance_type='diag', max_iter=iterations, tol=0,
reg_covar=epsilon), warm-started from the toolkit's parameters (warm_start with the fitted attributes set, so no
k-means initialisation runs and exactly `iterations` EM iterations plus sklearn's final E-step run), on float64
banks (converted before the clock starts). One thread: the BLAS and OpenMP pools are sized before numpy loads.
Prints one CSV row name,unit,value,detail: the CPU time (time.thread_time) of fitting all classes, in ms.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402


def load(path):
    head = np.fromfile(path, dtype="<i4", count=5)
    classes, n, dim, m, iterations = (int(v) for v in head)
    eps = float(np.fromfile(path, dtype="<f8", count=1, offset=20)[0])
    body = np.fromfile(path, dtype="<f4", offset=28)
    o = classes * n * dim
    x = body[:o].reshape(classes, n, dim)
    w = body[o:o + classes * m].reshape(classes, m)
    o += classes * m
    mu = body[o:o + classes * m * dim].reshape(classes, m, dim)
    o += classes * m * dim
    var = body[o:o + classes * m * dim].reshape(classes, m, dim)
    return x, w, mu, var, iterations, eps


def model(w, mu, var, iterations, eps):
    g = GaussianMixture(n_components=len(w), covariance_type="diag", max_iter=iterations, tol=0.0,
                        reg_covar=max(eps, 1e-12), warm_start=True)
    # the state sklearn keeps after a fit: fit() then continues from it instead of initialising
    g.weights_ = w.astype(np.float64) / w.sum()
    g.means_ = mu.astype(np.float64)
    g.covariances_ = var.astype(np.float64) + eps
    g.precisions_cholesky_ = 1.0 / np.sqrt(g.covariances_)
    g.converged_ = False
    g.lower_bound_ = -np.inf
    return g


def main():
    x, w, mu, var, iterations, eps = load(sys.argv[1])
    classes, n, dim = x.shape
    banks = [np.ascontiguousarray(x[c], dtype=np.float64) for c in range(classes)]
    models = [model(w[c], mu[c], var[c], iterations, eps) for c in range(classes)]
    warnings.simplefilter("ignore", ConvergenceWarning)
    c0, t0 = time.thread_time(), time.perf_counter()
    ll = 0.0
    for g, b in zip(models, banks):
        g.fit(b)
        ll += g.lower_bound_
    cpu = (time.thread_time() - c0) * 1e3
    wall = (time.perf_counter() - t0) * 1e3
    assert all(g.n_iter_ == iterations for g in models), "sklearn stopped early"
    print("name,unit,value,detail")
    print("sklearn_gmm_ms,ms,%.3f,scikit-learn %s GaussianMixture(%d, 'diag', max_iter=%d, tol=0, reg_covar=%g,"
          " warm-started) class by class: %d classes x %d x %d float64, one thread (OMP/OPENBLAS/MKL=1); CPU %.1f"
          " ms wall %.1f ms; mean lower bound %.4f; load %s"
          % (cpu, sklearn.__version__, len(w[0]), iterations, eps, classes, n, dim, cpu, wall, ll / classes,
             " ".join("%.2f" % v for v in os.getloadavg())))


if __name__ == "__main__":
    main()
