#!/usr/bin/python3
"""scikit-learn's metrics for labels and logits, for comparison with `logreg eval`.

Usage: sklearn_metrics.py FILE   (one "label logit" pair per line; label 0/1)
Prints one JSON object with the keys of `logreg eval --json`.
"""
import json
import sys

import numpy as np
from sklearn import metrics


def main():
    data = np.loadtxt(sys.argv[1], ndmin=2)
    y = data[:, 0].astype(int)
    z = data[:, 1]
    p = 1.0 / (1.0 + np.exp(-z))
    predicted = (z >= 0).astype(int)
    out = {
        "n": int(len(y)),
        "accuracy": metrics.accuracy_score(y, predicted),
        "precision": metrics.precision_score(y, predicted, zero_division=0),
        "recall": metrics.recall_score(y, predicted, zero_division=0),
        "f1": metrics.f1_score(y, predicted, zero_division=0),
        "log_loss": metrics.log_loss(y, p, labels=[0, 1]),
        "brier": metrics.brier_score_loss(y, p),
        "auc": metrics.roc_auc_score(y, z),
    }
    json.dump({k: float(v) for k, v in out.items()}, sys.stdout)


if __name__ == "__main__":
    main()
