#!/usr/bin/python3
"""Runs bench/compare_peers.py on the sets bundled in data/ (2 runs of each tool) and checks
what its table rests on: every tool ran and was timed, logreg's objectives agree with the
script's own numpy evaluation, and newton reaches LIBLINEAR's objective. Timings are only
checked to exist: a test never judges speed (docs/benchmarks.md holds the figures).
Usage: check_compare_peers.py LOGREG REPO"""
import json
import os
import subprocess
import sys
import tempfile

TOOLS = ["newton", "liblinear", "sgd_plain", "sklearn_sgd"]
SETS = ["breast_cancer", "heart_scale", "ionosphere", "sonar"]


def main():
    logreg, repo = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory(prefix="logreg_check_peers_") as work:
        table, measurements = os.path.join(work, "table.md"), os.path.join(work, "runs.json")
        subprocess.run([sys.executable, os.path.join(repo, "bench", "compare_peers.py"), "--logreg", logreg,
                        "--data-dir", os.path.join(repo, "data"), "--datasets", ",".join(SETS), "--repeats", "2",
                        "--tools", ",".join(TOOLS), "--out", table, "--json", measurements], check=True)
        with open(table) as f:
            text = f.read()
        with open(measurements) as f:
            results = json.load(f)["results"]
    if [r["name"] for r in results] != SETS:
        failures.append(f"sets measured: {[r['name'] for r in results]}, expected {SETS}")
    for r in results:
        name, tools = r["name"], r["tools"]
        if f"| {name} |" not in text:
            failures.append(f"{name}: no row in the summary table")
        for tool in TOOLS:
            row = tools.get(tool)
            if row is None:
                failures.append(f"{name}: {tool} did not run")
                continue
            if row["runs"] != 2 or not all(w > 0 for w in row["walls"]) or not row["rss_mb"] > 0:
                failures.append(f"{name} {tool}: runs {row['runs']}, walls {row['walls']}, RSS {row['rss_mb']}")
            if tool != "liblinear" and not row.get("train_seconds", 0) > 0:
                failures.append(f"{name} {tool}: no training time")
            if "numpy_check" in row and not row["numpy_check"] <= 1e-9:
                failures.append(f"{name} {tool}: logreg eval and numpy differ by {row['numpy_check']:.2e}")
        if "newton" in tools and "liblinear" in tools:
            ours, theirs = tools["newton"]["f_B"], tools["liblinear"]["f_B"]
            # Both minimise f_B; LIBLINEAR stops at its own gradient tolerance.
            if not ours <= theirs + 1e-8 * max(1.0, abs(theirs)):
                failures.append(f"{name}: newton's f_B {ours!r} above LIBLINEAR's {theirs!r}")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
