#!/usr/bin/python3
"""The table of docs/sgd-defaults.md, section 5: test log-loss of the default SGD with
`--shards K` for several K, against the exact C = 1 optimum, on every shared set.

Usage (from the repository root):
  /usr/bin/python3 bench/sgd_shards.py [--logreg build/release/cli/logreg]
                                       [--data-dir ../shared/data] [--shards 1,2,4] [--seed 1]

For every folder of --data-dir holding train.svm and test.svm:
  optimum   logreg train TRAIN -o M --solver newton --C 1 --tol 1e-8
  K         logreg train TRAIN -o M --shards K --seed S        (the defaults otherwise)
and each model's log-loss on TEST (`logreg eval M TEST --json`'s "log_loss"). Prints a
Markdown table: the log-losses, then each one's gap to the optimum in per cent.
"""
import argparse
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logreg", default=os.path.join(REPO, "build", "release", "cli", "logreg"))
    parser.add_argument("--data-dir", default=os.environ.get("LOGREG_DATA_DIR",
                                                             os.path.join(REPO, "..", "shared", "data")))
    parser.add_argument("--shards", default="1,2,4")
    parser.add_argument("--seed", default="1")
    args = parser.parse_args()
    counts = [int(k) for k in args.shards.split(",")]
    sets = sorted(d for d in os.listdir(args.data_dir)
                  if os.path.isfile(os.path.join(args.data_dir, d, "train.svm"))
                  and os.path.isfile(os.path.join(args.data_dir, d, "test.svm")))
    print("| set | optimum | " + " | ".join(f"K = {k}" for k in counts) + " | "
          + " | ".join(f"gap K = {k}" for k in counts) + " |")
    print("|---|---:|" + "---:|" * (2 * len(counts)))
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "m.json")
        for name in sets:
            train = os.path.join(args.data_dir, name, "train.svm")
            test = os.path.join(args.data_dir, name, "test.svm")

            def test_log_loss(extra):
                subprocess.run([args.logreg, "train", train, "-o", model, "-q"] + extra, check=True)
                out = subprocess.run([args.logreg, "eval", model, test, "--json"], capture_output=True, text=True,
                                     check=True).stdout
                return json.loads(out)["log_loss"]
            optimum = test_log_loss(["--solver", "newton", "--C", "1", "--tol", "1e-8"])
            values = [test_log_loss(["--shards", str(k), "--seed", args.seed]) for k in counts]
            print(f"| {name} | {optimum:.4f} | " + " | ".join(f"{v:.4f}" for v in values) + " | "
                  + " | ".join(f"{100 * (v / optimum - 1):+.1f}%" for v in values) + " |")


if __name__ == "__main__":
    main()
