#!/usr/bin/python3
"""Reference solutions from the peers, computed at test time (never typed in).

Usage: reference.py TRAIN TEST [--C C] [--workdir DIR]

With --l1 also "sklearn_l1": {"coef", "intercept", "nnz"} from
LogisticRegression(penalty="l1", solver="liblinear"), bias penalised.

Prints one JSON object:
  {"sklearn":   {"test_log_loss", "test_accuracy", "objective", "coef", "intercept"},
   "liblinear": {"test_log_loss", "test_accuracy", "objective_liblinear", "coef", "intercept"}}

sklearn: LogisticRegression(C, newton-cholesky for d <= 2000 features, else
lbfgs; tol=1e-10), bias not penalised, i.e.
  min_w,b (1/2)||w||^2 + C sum_i log(1 + exp(-y_i (w.x_i + b)))
which is logreg's objective (mean loss + (l2/2)||w||^2) with l2 = 1/(C n).
liblinear: `liblinear-train -s 0 -c C -B 1 -e 0.0001`: the same but with the
bias penalised as a constant feature.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss


def load(train_path, test_path):
    X, y = load_svmlight_file(train_path)
    Xt, yt = load_svmlight_file(test_path, n_features=X.shape[1])
    # Labels 0/1 or -1/+1: class 1 is label 1.
    return X, (y > 0).astype(int), Xt, (yt > 0).astype(int)


def metrics(Xt, yt, coef, intercept):
    z = Xt @ coef + intercept
    # Stable log-loss from the logit, as logreg computes it.
    losses = np.logaddexp(0, z) - yt * z
    return float(np.mean(losses)), float(np.mean((z >= 0).astype(int) == yt))


def run_sklearn(X, y, Xt, yt, C):
    # Newton with a Cholesky solve reaches the optimum on raw, badly scaled
    # features where lbfgs stops early (scipy's relative-decrease test); it
    # forms the d x d Hessian, so lbfgs serves the wide sparse sets.
    solver = "newton-cholesky" if X.shape[1] <= 2000 else "lbfgs"
    model = LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=100000)
    model.fit(X, y)
    coef = model.coef_.ravel()
    intercept = float(model.intercept_[0])
    loss, acc = metrics(Xt, yt, coef, intercept)
    z = X @ coef + intercept
    n = X.shape[0]
    objective = float(np.mean(np.logaddexp(0, z) - y * z) + 0.5 / (C * n) * coef @ coef)
    return {"test_log_loss": loss, "test_accuracy": acc, "objective": objective, "solver": solver,
            "coef": coef.tolist(), "intercept": intercept}


def run_sklearn_l1(X, y, C):
    """L1 with the bias penalised (liblinear appends a constant feature):
    min |b| + ||w||_1 + C sum_i loss_i."""
    # random_state fixes liblinear's coordinate order, so every run (and its
    # time) is the same.
    model = LogisticRegression(penalty="l1", solver="liblinear", C=C, tol=1e-8, max_iter=100000,
                               intercept_scaling=1.0, random_state=0)
    model.fit(X, y)
    coef = model.coef_.ravel()
    return {"coef": coef.tolist(), "intercept": float(model.intercept_[0]),
            "nnz": int(np.count_nonzero(coef))}


def run_liblinear(train_path, X, Xt, yt, C, workdir):
    model_path = os.path.join(workdir, "liblinear.model")
    subprocess.run(["liblinear-train", "-s", "0", "-c", repr(C), "-B", "1", "-e", "0.0001", "-q",
                    train_path, model_path], check=True)
    with open(model_path) as f:
        lines = f.read().split("\n")
    labels = None
    n_feature = None
    weights = []
    in_w = False
    for line in lines:
        if in_w:
            if line.strip():
                weights.append(float(line.split()[0]))
            continue
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "label":
            labels = [float(v) for v in parts[1:]]
        elif parts[0] == "nr_feature":
            n_feature = int(parts[1])
        elif parts[0] == "w":
            in_w = True
    w = np.array(weights)
    sign = 1.0 if labels[0] > 0 else -1.0  # LIBLINEAR's w scores its first label
    coef = np.zeros(X.shape[1])
    coef[:n_feature] = sign * w[:n_feature]
    intercept = float(sign * w[n_feature])
    loss, acc = metrics(Xt, yt, coef, intercept)
    return {"test_log_loss": loss, "test_accuracy": acc, "coef": coef.tolist(), "intercept": intercept}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("test")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--l1", action="store_true", help="also the L1 solution (sklearn_l1)")
    args = parser.parse_args()
    X, y, Xt, yt = load(args.train, args.test)
    with tempfile.TemporaryDirectory() as workdir:
        out = {"n": int(X.shape[0]), "features": int(X.shape[1]),
               "sklearn": run_sklearn(X, y, Xt, yt, args.C),
               "liblinear": run_liblinear(args.train, X, Xt, yt, args.C, workdir)}
        if args.l1:
            out["sklearn_l1"] = run_sklearn_l1(X, y, args.C)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
