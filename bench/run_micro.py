#!/usr/bin/python3
"""Runs the micro-benchmarks and prints their medians as markdown tables.

Usage: run_micro.py [--build build/bench] [--repetitions 5] [--out FILE.md] [--filter REGEX]

Runs BUILD/bench/micro_kernels and BUILD/bench/micro_readers with
--benchmark_repetitions, keeps their JSON output in BUILD/bench/results/, and prints
  - the kernels in ns per stored non-zero and per pass (median over the repetitions),
    ours against the plain loop written in the benchmark, dense and sparse;
  - the readers in MB/s (10^6 bytes per second), ours against the strtod/strtol
    (LIBLINEAR's way) and std::from_chars baselines.
Ratios compare runs of the same binary on the same machine minutes apart; the machine is
shared and noisy, so only the ratios and orders of magnitude mean much.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time


def run(binary, out_json, repetitions, bench_filter, reuse=False):
    if reuse:  # summarise the JSON of an earlier run
        with open(out_json) as f:
            data = json.load(f)
        runs = {}
        for b in data["benchmarks"]:
            if b.get("run_type") == "iteration" and not b.get("error_occurred"):
                runs.setdefault(b["run_name"], []).append(b)
        return data["context"], runs, 0.0
    cmd = [binary, f"--benchmark_repetitions={repetitions}", "--benchmark_out_format=json",
           f"--benchmark_out={out_json}", "--benchmark_display_aggregates_only=true"]
    if bench_filter:
        cmd.append(f"--benchmark_filter={bench_filter}")
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(out_json) as f:
        data = json.load(f)
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        runs.setdefault(b["run_name"], []).append(b)
    return data["context"], runs, seconds


CLOCK = "real_time"  # or "cpu_time": the benchmark thread's CPU time (not the OpenMP workers')


def ns_of(entry):
    return entry[CLOCK] * {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]


def mb_per_s(runs, name):
    entries = runs.get(name)
    if not entries:
        return None
    # bytes_per_second is measured on real time; bytes of one iteration = rate * real time.
    return statistics.median(e["bytes_per_second"] * e["real_time"] / e[CLOCK] / 1e6 for e in entries)


def ns_per_nnz(runs, name):
    entries = runs.get(name)
    if not entries:
        return None
    # nnz counts the non-zeros of one pass.
    return statistics.median(ns_of(e) / e["nnz"] for e in entries)


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def kernel_table(runs):
    rows = [
        ("margins X·w (`sparse_dot` per row)", "BM_Margins_Ours/kind:{k}/real_time", "BM_Margins_Plain/kind:{k}/real_time"),
        ("Xᵀr (`sparse_axpy` per row)", "BM_Axpy_Ours/kind:{k}/real_time", "BM_Axpy_Plain/kind:{k}/real_time"),
        ("value + gradient (`Objective::value_and_gradient`)", "BM_Gradient_Objective/kind:{k}/real_time",
         "BM_Gradient_Plain/kind:{k}/real_time"),
        ("Hessian-vector product, 2 passes (`Objective::hessian_vector`)",
         "BM_HessianVector_Objective/kind:{k}/real_time", None),
        ("1 SGD epoch, `train()` with --adaptive off --no-average --standardize off",
         "BM_SgdEpoch_Train/kind:{k}/plain_steps:1/real_time", "BM_SgdEpoch_Plain/kind:{k}/real_time"),
        ("1 SGD epoch, `train()` with the default adaptive steps",
         "BM_SgdEpoch_Train/kind:{k}/plain_steps:0/real_time", "BM_SgdEpoch_Plain/kind:{k}/real_time"),
    ]
    lines = ["| kernel | dense ours | dense plain | ours/plain | sparse ours | sparse plain | ours/plain |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, ours, plain in rows:
        cells = [label]
        for k in (0, 1):
            o = ns_per_nnz(runs, ours.format(k=k))
            p = ns_per_nnz(runs, plain.format(k=k)) if plain else None
            cells += [fmt(o), fmt(p), fmt(ratio(o, p))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def reader_table(runs):
    lines = ["| text (~50 MB) | ours `parse_dataset` 1 thread | 2 threads | ours `read_dataset` (file) 1 thread "
             "| 2 threads | strtod/strtol (LIBLINEAR) | std::from_chars, no checks | ours/strtod (1 thread) "
             "| ours/from_chars (1 thread) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k, name in enumerate(("LIBSVM dense (100 features, 4 decimals)", "LIBSVM sparse (40 of 2^20)",
                              "CSV dense (101 columns)")):
        def mbs(bench, threads=None):
            suffix = f"/threads:{threads}" if threads else ""
            return mb_per_s(runs, f"{bench}/text:{k}{suffix}/real_time")
        ours1, ours2 = mbs("BM_Parse_Ours", 1), mbs("BM_Parse_Ours", 2)
        file1, file2 = mbs("BM_Read_File", 1), mbs("BM_Read_File", 2)
        strtod, fc = mbs("BM_Parse_Strtod"), mbs("BM_Parse_FromChars")
        lines.append(f"| {name} | {fmt(ours1, 0)} | {fmt(ours2, 0)} | {fmt(file1, 0)} | {fmt(file2, 0)} "
                     f"| {fmt(strtod, 0)} | {fmt(fc, 0)} | {fmt(ratio(ours1, strtod))} | {fmt(ratio(ours1, fc))} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build/bench")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--filter", default="", help="--benchmark_filter for both binaries")
    parser.add_argument("--out", help="also write the tables to this file")
    parser.add_argument("--reuse", action="store_true", help="only summarise the JSON of the last run")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for the benchmarks (default: as set here)")
    args = parser.parse_args()
    if args.threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    results = os.path.join(args.build, "bench", "results")
    os.makedirs(results, exist_ok=True)
    load_before = os.getloadavg()
    context, kernels, k_seconds = run(os.path.join(args.build, "bench", "micro_kernels"),
                                      os.path.join(results, "micro_kernels.json"), args.repetitions, args.filter,
                                      args.reuse)
    _, readers, r_seconds = run(os.path.join(args.build, "bench", "micro_readers"),
                                os.path.join(results, "micro_readers.json"), args.repetitions, args.filter,
                                args.reuse)
    load_after = os.getloadavg()
    global CLOCK
    tables = ""
    for clock, title in (("real_time", "wall-clock time"),
                         ("cpu_time", "CPU time of the benchmark's thread (robust to a loaded machine; "
                                      "undercounts OpenMP work)")):
        CLOCK = clock
        tables += (f"\n\nBy {title}.\n\nKernels, ns per non-zero per pass (lower is better):\n\n"
                   + kernel_table(kernels) + "\n\nReaders, MB/s of text (higher is better):\n\n"
                   + reader_table(readers))
    text = (f"Micro-benchmarks: median of {args.repetitions} repetitions, "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, {context.get('num_cpus')} CPUs at "
            f"{context.get('mhz_per_cpu')} MHz, load average {load_before[0]:.1f} before / {load_after[0]:.1f} after; "
            f"kernels {k_seconds:.0f} s, readers {r_seconds:.0f} s." + tables + "\n")
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
