#!/usr/bin/python3
"""Whole-process reading speed and peak memory of `logreg info` (docs/benchmarks.md).

Usage: read_memory.py FILE.svm [--csv] [--logreg build/release/cli/logreg] [--threads 1,2] [--repeats 3]

For each thread count (OMP_NUM_THREADS), runs `/usr/bin/time -v LOGREG info FILE` REPEATS
times, interleaved, and prints per run and as medians:
  - MB/s: file bytes (10^6) / the "read time" logreg info prints (read_dataset alone);
  - peak RSS ("Maximum resident set size") divided by the bytes of the dataset read
    (row offsets 8 B per row + 1, indices 4 B and values 8 B per non-zero, labels 8 B per row).
The first run warms the page cache and is not counted. With --csv the LIBSVM file is first
converted to CSV (header label,f1..fN, every feature written, zeros as 0) next to the
original as FILE.csv, unless that exists, and the CSV is measured as well. FILE should be
a synthetic set from bench/make_synthetic.py in /tmp, never a file inside the repository.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys


def to_csv(svm_path, csv_path):
    """Dense CSV of a LIBSVM file: label first, then every feature 1..N."""
    rows = []
    width = 0
    with open(svm_path) as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue
            pairs = [t.split(":", 1) for t in tokens[1:]]
            if pairs:
                width = max(width, int(pairs[-1][0]))
            rows.append((tokens[0], pairs))
    with open(csv_path, "w") as out:
        out.write("label," + ",".join(f"f{j}" for j in range(1, width + 1)) + "\n")
        for label, pairs in rows:
            fields = ["0"] * width
            for index, value in pairs:
                fields[int(index) - 1] = value
            out.write(label + "," + ",".join(fields) + "\n")


def run_once(logreg, path, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.run(["/usr/bin/time", "-v", logreg, "info", path], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{logreg} info {path} failed:\n{proc.stdout}{proc.stderr}")
    read_s = float(re.search(r"read time\s+([0-9.]+)s", proc.stdout).group(1))
    rows = int(re.search(r"^rows\s+(\d+)", proc.stdout, re.M).group(1))
    nonzeros = int(re.search(r"^nonzeros\s+(\d+)", proc.stdout, re.M).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    dataset = 8 * (rows + 1) + 12 * nonzeros + 8 * rows
    return read_s, rss_kb * 1024, dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--csv", action="store_true", help="also measure a CSV version of FILE")
    parser.add_argument("--logreg", default="build/release/cli/logreg")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    files = [args.file]
    if args.csv:
        csv_path = os.path.splitext(args.file)[0] + ".csv"
        if not os.path.exists(csv_path):
            print(f"writing {csv_path} ...", flush=True)
            to_csv(args.file, csv_path)
        files.append(csv_path)
    thread_counts = [int(t) for t in args.threads.split(",")]

    print(f"logreg: {args.logreg}; load average {os.getloadavg()[0]:.1f} at the start")
    print("| file | MB | threads | read MB/s (median, runs) | peak RSS / dataset (median, runs) | dataset MB |")
    print("|---|---:|---:|---|---|---:|")
    for path in files:
        size = os.path.getsize(path)
        run_once(args.logreg, path, thread_counts[0])  # warms the page cache
        results = {t: [] for t in thread_counts}
        for _ in range(args.repeats):
            for t in thread_counts:
                results[t].append(run_once(args.logreg, path, t))
        for t in thread_counts:
            speeds = [size / 1e6 / r[0] for r in results[t]]
            ratios = [r[1] / r[2] for r in results[t]]
            dataset_mb = results[t][0][2] / 1e6
            print(f"| {os.path.basename(path)} | {size / 1e6:.0f} | {t} "
                  f"| **{statistics.median(speeds):.0f}** ({', '.join(f'{s:.0f}' for s in speeds)}) "
                  f"| **{statistics.median(ratios):.2f}** ({', '.join(f'{x:.2f}' for x in ratios)}) "
                  f"| {dataset_mb:.0f} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
