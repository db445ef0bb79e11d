#!/usr/bin/python3
"""SGD epoch throughput, logreg against scikit-learn's SGDClassifier, without the fixed costs
of a fit: for each dataset both tools train for E and for 2E epochs, and the time of one
epoch is (median time of 2E epochs - median time of E epochs) / E.

Usage (from the repository root):
  /usr/bin/python3 bench/sgd_epochs.py [--logreg build/release/cli/logreg] [--repeats 7]
      [--epochs 10] [--data-dir ../shared/data] [--datasets spam,ticdata,...] [--sgd plain|defaults]
      [--shards K]

  logreg    logreg train TRAIN -o M --solver sgd --epochs E --tol 0 -q, with --sgd plain (the
            default): --schedule optimal --l2 1/n --adaptive off --no-average --standardize off,
            SGDClassifier's algorithm; with --sgd defaults: logreg's defaults (AdaGrad,
            averaging, standardising). Time: the model file's training.seconds.
  sklearn   SGDClassifier(loss='log_loss', alpha=1/n, max_iter=E, tol=None, random_state=0).fit
            on load_svmlight_file's matrix, in one process (loaded once). Time: fit() alone.
Both count n updates per epoch. The runs of the two tools alternate (repeat 1 of each
epoch count and tool, then repeat 2, ...), so a change in the machine's load hits both.
Prints a Markdown table: per-epoch milliseconds of each, and SGDClassifier's over ours
(> 1: logreg faster). A test never runs this: it measures time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SETS = ["spam", "ticdata", "smokeban", "fine_foods", "movielens_liked", "reuters_grain"]


def logreg_seconds(args, train, n, epochs, model):
    cmd = [args.logreg, "train", train, "-o", model, "--solver", "sgd", "--epochs", str(epochs), "--tol", "0", "-q"]
    if args.sgd == "plain":
        cmd += ["--schedule", "optimal", "--l2", repr(1.0 / n), "--adaptive", "off", "--no-average",
                "--standardize", "off"]
    if args.shards:
        cmd += ["--shards", args.shards]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(model) as f:
        return json.load(f)["training"]["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logreg", default=os.path.join(REPO, "build", "release", "cli", "logreg"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=10, help="E: the runs take E and 2E epochs")
    parser.add_argument("--data-dir", default=os.environ.get("LOGREG_DATA_DIR",
                                                             os.path.join(REPO, "..", "shared", "data")))
    parser.add_argument("--datasets", default=",".join(DEFAULT_SETS))
    parser.add_argument("--sgd", choices=["plain", "defaults"], default="plain")
    parser.add_argument("--shards", default="", help="logreg's --shards (default: logreg's own, auto)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # SGDClassifier warns that max_iter stops it
    from sklearn.datasets import load_svmlight_file
    from sklearn.linear_model import SGDClassifier

    shards = f", --shards {args.shards}" if args.shards else ""
    print(f"SGD epochs ({args.sgd} logreg steps{shards}), E = {args.epochs} and {2 * args.epochs}, "
          f"medians of {args.repeats}; load average {os.getloadavg()[0]:.1f} at the start\n")
    print("| dataset | rows | nnz | logreg ms/epoch | SGDClassifier ms/epoch | SGDClassifier / logreg |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="logreg_sgd_epochs_") as work:
        model = os.path.join(work, "model.json")
        for name in [s for s in args.datasets.split(",") if s]:
            train = os.path.join(args.data_dir, name, "train.svm")
            if not os.path.isfile(train):
                print(f"skipping {name}: no {train}", file=sys.stderr)
                continue
            X, y = load_svmlight_file(train)
            n = X.shape[0]
            times = {(tool, e): [] for tool in ("logreg", "sklearn") for e in (args.epochs, 2 * args.epochs)}
            for _ in range(args.repeats):
                for epochs in (args.epochs, 2 * args.epochs):
                    times[("logreg", epochs)].append(logreg_seconds(args, train, n, epochs, model))
                    classifier = SGDClassifier(loss="log_loss", alpha=1.0 / n, max_iter=epochs, tol=None,
                                               random_state=0)
                    start = time.perf_counter()
                    classifier.fit(X, y)
                    times[("sklearn", epochs)].append(time.perf_counter() - start)
            per_epoch = {tool: (statistics.median(times[(tool, 2 * args.epochs)]) -
                                statistics.median(times[(tool, args.epochs)])) / args.epochs
                         for tool in ("logreg", "sklearn")}
            ratio = per_epoch["sklearn"] / per_epoch["logreg"] if per_epoch["logreg"] > 0 else float("nan")
            print(f"| {name} | {n:,} | {X.nnz:,} | {per_epoch['logreg'] * 1e3:.3f} | "
                  f"{per_epoch['sklearn'] * 1e3:.3f} | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
