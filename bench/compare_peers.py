#!/usr/bin/python3
"""End-to-end comparison of `logreg train` with LIBLINEAR and scikit-learn.

Usage:
  compare_peers.py [--logreg build/release/cli/logreg] [--repeats 3] [--data-dir DIR]
                   [--datasets spam,ticdata,...] [--synthetic DIR] [--tools LIST]
                   [--out FILE.md] [--json FILE.json] [--work DIR]

For each dataset (a folder with train.svm and test.svm: by default the larger shared sets
spam, ticdata, smokeban, fine_foods, movielens_liked and reuters_grain from --data-dir,
plus every synthetic_* folder of bench/make_synthetic.py found in --synthetic), every tool
is run --repeats times, the repeats interleaved within each group of tools compared with
each other (the full-batch group newton, liblinear, lbfgs, then the SGD group: repeat 1 of
every tool of the group, then repeat 2, ... so a change in the machine's load hits them
alike; a run right after scikit-learn's 100 MB Python process ends took longer, which in
one sequence of all tools had put newton at 0.56x LIBLINEAR on smokeban, and spam at 0.47x;
in groups 0.45x and 0.40x). Repeat 1 runs under
`/usr/bin/time -v` for the peak RSS (and warms the page cache); the others are started
directly, and the wall time is their median (repeat 1's with a single run):

  newton       logreg train TRAIN -o M --solver newton --C 1 --penalize-bias -q
  liblinear    liblinear-train -s 0 -c 1 -B 1 TRAIN M
  lbfgs        scikit-learn LogisticRegression(C=1) (lbfgs, its defaults), after load_svmlight_file
  sgd          logreg train TRAIN -o M --epochs 10 --tol 0 -q   (the defaults: C = 1, AdaGrad, averaging,
               and automatic shards: parallel SGD over 2 shards of each epoch from 2^22 non-zeros on)
  sgd_sequential  the same with --shards 1 (one sequence of updates)
  sgd_plain    logreg train TRAIN -o M --solver sgd --schedule optimal --l2 1/n --epochs 10 --tol 0 -q
               --adaptive off --no-average --standardize off (when the binary has them): the
               algorithm of SGDClassifier (one step size for every coordinate, raw features)
  sklearn_sgd  SGDClassifier(loss='log_loss', alpha=1/n, max_iter=10, tol=None, random_state=0),
               after load_svmlight_file

Reported per tool: median wall time of the whole process (reading included), median
training time (logreg: the model file's training.seconds; scikit-learn: fit() alone;
LIBLINEAR: not separable), median peak RSS, and of the last run's model:
  f_B   mean log-loss + (||w||^2 + b^2) / (2 C n): LIBLINEAR's -B 1 convention, what
        newton --penalize-bias and liblinear minimise;
  f_0   mean log-loss + ||w||^2 / (2 C n): bias not penalised, what LogisticRegression,
        SGDClassifier and logreg's sgd minimise (C = 1, i.e. l2 = alpha = 1/n);
  test log-loss.
For logreg models the objective of its own convention and the test log-loss are `logreg eval
MODEL DATA --json`'s "objective" and "log_loss"; everything else is computed with numpy from
the weights (and logreg's values are checked against numpy's).

scikit-learn runs in a child process of this script (--worker) whose environment lacks
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some of these machines for old OpenBLAS
builds; they slow a current numpy). Its BLAS may use both cores; logreg and LIBLINEAR use one.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SETS = ["spam", "ticdata", "smokeban", "fine_foods", "movielens_liked", "reuters_grain"]
ALL_TOOLS = ["newton", "liblinear", "lbfgs", "sgd", "sgd_sequential", "sgd_plain", "sklearn_sgd"]
FULL_BATCH_TOOLS = ("newton", "liblinear", "lbfgs")
LOGREG_TOOLS = ("newton", "sgd", "sgd_sequential", "sgd_plain")
LABELS = {
    "newton": "logreg newton",
    "liblinear": "LIBLINEAR -s 0",
    "lbfgs": "sklearn LogisticRegression lbfgs",
    "sgd": "logreg sgd (the defaults)",
    "sgd_sequential": "logreg sgd --shards 1 (the defaults, sequential)",
    "sgd_plain": "logreg sgd --adaptive off --no-average --standardize off",
    "sklearn_sgd": "sklearn SGDClassifier",
}
C = 1.0
SGD_EPOCHS = 10


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- worker (scikit-learn)

def worker(args):
    import warnings

    import numpy as np
    from sklearn.datasets import load_svmlight_file
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    start = time.perf_counter()
    X, y = load_svmlight_file(args.train)
    loaded = time.perf_counter()
    if args.worker == "lbfgs":
        model = LogisticRegression(C=args.C)
    else:
        model = SGDClassifier(loss="log_loss", alpha=args.alpha, max_iter=SGD_EPOCHS, tol=None, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    fitted = time.perf_counter()
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    np.save(args.out + ".coef.npy", model.coef_.ravel().astype(np.float64))
    # The BLAS and LAPACK libraries numpy/scipy loaded (threadpoolctl misses Debian's
    # reference libblas.so.3).
    with open("/proc/self/maps") as f:
        blas = sorted({os.path.realpath(line.split()[-1]) for line in f
                       if re.search(r"/lib(open)?(blas|lapack)[^/]*\.so", line)})
    info = {"load_seconds": loaded - start, "fit_seconds": fitted - loaded,
            "intercept": float(model.intercept_[0]), "classes": [float(c) for c in model.classes_],
            "n_iter": int(np.max(model.n_iter_)), "converged": converged, "blas": blas}
    with open(args.out, "w") as f:
        json.dump(info, f)


# ------------------------------------------------------------------------------- running

def count_rows(path):
    rows = 0
    last = b"\n"
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 24)
            if not chunk:
                break
            rows += chunk.count(b"\n")
            last = chunk[-1:]
    return rows + (0 if last == b"\n" else 1)


def peer_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def timed(cmd, time_file, env=None, timeout=None, memory=True):
    """Runs cmd; returns (wall seconds, peak RSS in MB, or None without `memory`).

    With `memory` the command runs under /usr/bin/time -v, whose report gives the peak RSS
    (the process's own: a child started straight from this script would report this
    Python's resident size as its own). Without it the command is started directly, by
    posix_spawn with its output to files, and reaped by os.wait4 (as bench/alternate.py
    does): /usr/bin/time costs 3-6 ms per run here, which pulled the ratios of runs of
    20-100 ms towards 1 (reuters_grain: 26 ms against LIBLINEAR's 49 through /usr/bin/time,
    20 against 44 started directly), and subprocess.run's pipe for stderr another 0.5-1 ms
    (newton/LIBLINEAR through it: spam 0.53, smokeban 0.69; spawned: 0.47, 0.56)."""
    if not memory:
        with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as errors:
            # A timer, started before the clock, kills a run past the timeout; the
            # wait itself blocks, so it returns as the child ends.
            child = []
            watchdog = threading.Timer(timeout, lambda: child and os.kill(child[0], signal.SIGKILL)) if timeout else None
            if watchdog:
                watchdog.start()
            start = time.perf_counter()
            child.append(os.posix_spawnp(cmd[0], cmd, env if env is not None else os.environ,
                                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull.fileno(), 1),
                                                       (os.POSIX_SPAWN_DUP2, errors.fileno(), 2)]))
            _, status, _ = os.wait4(child[0], 0)
            wall = time.perf_counter() - start
            if watchdog:
                watchdog.cancel()
            if timeout and wall >= timeout and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                raise subprocess.TimeoutExpired(cmd, timeout)
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                errors.seek(0)
                raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {errors.read().decode(errors='replace')[-2000:]}")
        return wall, None
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", "-o", time_file] + cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    with open(time_file) as f:
        text = f.read()
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return wall, rss_kb / 1024.0


def logreg_env(args):
    if args.threads is None:
        return None
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)
    return env


def commands(tool, args, train, model, n, has_plain_flags):
    logreg = args.logreg
    l2 = repr(1.0 / n)
    if tool == "newton":
        return [logreg, "train", train, "-o", model, "--solver", "newton", "--C", "1", "--penalize-bias",
                "-q"], logreg_env(args)
    if tool == "liblinear":
        return ["liblinear-train", "-s", "0", "-c", "1", "-B", "1", train, model], None
    if tool == "sgd":  # the defaults (C = 1, i.e. l2 = 1/n), all 10 epochs
        return [logreg, "train", train, "-o", model, "--epochs", str(SGD_EPOCHS), "--tol", "0", "-q"], logreg_env(args)
    if tool == "sgd_sequential":
        return [logreg, "train", train, "-o", model, "--epochs", str(SGD_EPOCHS), "--tol", "0", "-q", "--shards",
                "1"], logreg_env(args)
    if tool == "sgd_plain":
        if not has_plain_flags:
            return None, None
        return [logreg, "train", train, "-o", model, "--solver", "sgd", "--schedule", "optimal", "--l2", l2,
                "--epochs", str(SGD_EPOCHS), "--tol", "0", "-q", "--adaptive", "off", "--no-average",
                "--standardize", "off"], logreg_env(args)
    kind = "lbfgs" if tool == "lbfgs" else "sgd"
    return [sys.executable, os.path.abspath(__file__), "--worker", kind, "--train", train, "--out", model,
            "--C", "1", "--alpha", l2], peer_env()


def run_dataset(name, folder, args, work, has_plain_flags):
    train = os.path.join(folder, "train.svm")
    test = os.path.join(folder, "test.svm")
    n = count_rows(train)
    size = os.path.getsize(train)
    log(f"== {name}: {n} rows, {size / 1e6:.1f} MB")
    runs = {tool: [] for tool in args.tools}
    models = {}
    groups = [[t for t in args.tools if t in FULL_BATCH_TOOLS], [t for t in args.tools if t not in FULL_BATCH_TOOLS]]
    for group, rep in ((g, r) for g in groups for r in range(args.repeats)):
        for tool in group:
            if rep >= args.max_repeats.get(tool, args.repeats):
                continue
            model = os.path.join(work, f"{name}.{tool}.model")
            cmd, env = commands(tool, args, train, model, n, has_plain_flags)
            if cmd is None:
                continue
            # The first run of each tool measures the peak RSS (and warms the page cache);
            # the others are started directly, for the wall time.
            wall, rss = timed(cmd, os.path.join(work, "time.txt"), env, args.timeout, memory=rep == 0)
            entry = {"wall": wall, "rss_mb": rss}
            if tool in LOGREG_TOOLS:
                with open(model) as f:
                    m = json.load(f)
                entry["train_seconds"] = m["training"]["seconds"]
                entry["iterations"] = m["training"]["iterations"]
            elif tool in ("lbfgs", "sklearn_sgd"):
                with open(model) as f:
                    info = json.load(f)
                entry["train_seconds"] = info["fit_seconds"]
                entry["load_seconds"] = info["load_seconds"]
                entry["iterations"] = info["n_iter"]
                entry["converged"] = info["converged"]
                entry["blas"] = info["blas"]
            runs[tool].append(entry)
            models[tool] = model
            log(f"   {tool:12s} repeat {rep + 1}: {milliseconds(wall):>7s} ms wall" + (f", {rss:7.0f} MB" if rss is not None else "")
                + (f", {milliseconds(entry['train_seconds'])} ms training" if "train_seconds" in entry else ""))
    result = {"name": name, "rows": n, "bytes": size, "tools": {}}
    evaluate(result, runs, models, train, test, args)
    return result


# ---------------------------------------------------------------------------- evaluation

def load_weights(tool, model_path, d):
    import numpy as np
    if tool in LOGREG_TOOLS:
        with open(model_path) as f:
            m = json.load(f)
        w = np.asarray(m["weights"], dtype=np.float64)
        b = float(m["bias"])
    elif tool == "liblinear":
        with open(model_path) as f:
            lines = f.read().split("\n")
        labels, nr_feature, weights, in_w = None, None, [], False
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
                nr_feature = int(parts[1])
            elif parts[0] == "w":
                in_w = True
        sign = 1.0 if labels[0] > 0 else -1.0  # LIBLINEAR's w scores its first label
        w = sign * np.asarray(weights[:nr_feature])
        b = sign * weights[nr_feature]
    else:
        with open(model_path) as f:
            info = json.load(f)
        w = np.load(model_path + ".coef.npy")
        b = info["intercept"]
    full = np.zeros(d)
    k = min(d, w.shape[0])
    full[:k] = w[:k]
    # Weights beyond the data's columns still count in the penalty.
    extra = float(w[k:] @ w[k:]) if w.shape[0] > k else 0.0
    return full, b, extra


def logreg_eval(args, model, data):
    out = subprocess.run([args.logreg, "eval", model, data, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def evaluate(result, runs, models, train, test, args):
    import numpy as np
    from sklearn.datasets import load_svmlight_files

    start = time.perf_counter()
    X, y, Xt, yt = load_svmlight_files([train, test])
    y = (y > 0).astype(np.float64)
    yt = (yt > 0).astype(np.float64)
    n, d = X.shape
    result["features"] = d
    result["nnz"] = int(X.nnz)
    lam = 1.0 / (C * n)
    for tool, entries in runs.items():
        if not entries:
            continue
        w, b, extra = load_weights(tool, models[tool], d)
        z = X @ w + b
        mean_loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
        zt = Xt @ w + b
        sq = float(w @ w) + extra
        # Wall: the runs started directly when there are any (see timed()).
        direct = [e["wall"] for e in entries if e["rss_mb"] is None]
        row = {
            "wall": statistics.median(direct or [e["wall"] for e in entries]),
            "walls": [e["wall"] for e in entries],
            "runs": len(entries),
            "rss_mb": statistics.median(e["rss_mb"] for e in entries if e["rss_mb"] is not None),
            "f_B": mean_loss + 0.5 * lam * (sq + b * b),
            "f_0": mean_loss + 0.5 * lam * sq,
            "test_log_loss": float(np.mean(np.logaddexp(0.0, zt) - yt * zt)),
            "test_accuracy": float(np.mean((zt >= 0) == (yt > 0.5))),
        }
        for key in ("train_seconds", "load_seconds"):
            if key in entries[0]:
                row[key] = statistics.median(e[key] for e in entries)
        for key in ("iterations", "converged", "blas"):
            if key in entries[-1]:
                row[key] = entries[-1][key]
        if tool in LOGREG_TOOLS:
            own = "f_B" if tool == "newton" else "f_0"
            on_train = logreg_eval(args, models[tool], train)
            on_test = logreg_eval(args, models[tool], test)
            row["logreg_eval_objective"] = on_train["objective"]
            row["numpy_check"] = abs(on_train["objective"] - row[own]) / max(abs(row[own]), 1e-300)
            row[own] = on_train["objective"]
            row["test_log_loss"] = on_test["log_loss"]
            if row["numpy_check"] > 1e-6:
                log(f"   warning: {tool}: logreg eval objective {on_train['objective']} differs from numpy's "
                    f"by {row['numpy_check']:.2e} (relative)")
        result["tools"][tool] = row
    result["eval_seconds"] = time.perf_counter() - start


# ------------------------------------------------------------------------------ reporting

def fmt(x, spec=".2f"):
    return "—" if x is None else format(x, spec)


def milliseconds(seconds):
    """Seconds as milliseconds to 3 significant digits (runs here take 2 ms to minutes)."""
    if seconds is None:
        return "—"
    ms = seconds * 1e3
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def dataset_table(r):
    t = r["tools"]
    lines = [f"#### {r['name']}: {r['rows']:,} train rows, {r['features']:,} features, "
             f"{r['nnz'] / r['rows']:.1f} nnz/row, {r['bytes'] / 1e6:.1f} MB",
             "",
             "| tool | wall ms | training ms | peak RSS MB | iterations | f_B (b penalised) | f_0 (b free) "
             "| test log-loss | ours/this wall | ours/this RSS |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ours_for = {"liblinear": "newton", "lbfgs": "newton", "sklearn_sgd": "sgd_plain"}
    for tool in ALL_TOOLS:
        if tool not in t:
            continue
        row = t[tool]
        ours = t.get(ours_for.get(tool, ""))
        if tool == "sklearn_sgd" and ours is None:
            ours = t.get("sgd")
        iters = "—" if row.get("iterations") is None else str(row["iterations"])
        runs_note = "" if row["runs"] == max(x["runs"] for x in t.values()) else f" ({row['runs']} run)"
        if row.get("converged") is False:
            iters += " (not converged)"
        bold_b = tool in ("newton", "liblinear")
        f_b = fmt(row["f_B"], ".6f")
        f_0 = fmt(row["f_0"], ".6f")
        f_b = f"**{f_b}**" if bold_b else f_b
        f_0 = f_0 if bold_b else f"**{f_0}**"
        lines.append(f"| {LABELS[tool]}{runs_note} | {milliseconds(row['wall'])} | {milliseconds(row.get('train_seconds'))} | "
                     f"{fmt(row['rss_mb'], '.0f')} | {iters} | {f_b} | {f_0} | {fmt(row['test_log_loss'], '.5f')} | "
                     f"{fmt(ratio(ours['wall'], row['wall']) if ours else None)} | "
                     f"{fmt(ratio(ours['rss_mb'], row['rss_mb']) if ours else None)} |")
    return "\n".join(lines)


def summary_table(results):
    lines = ["| dataset | rows | newton/LIBLINEAR wall | newton f_B − LIBLINEAR f_B | newton/lbfgs wall "
             "| SGD rows/s, sklearn fit() | SGD speed-up, training only: plain steps | the defaults "
             "| the defaults, --shards 1 | SGD speed-up, whole process (plain steps) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t = r["tools"]
        newton, lib, lbfgs = t.get("newton"), t.get("liblinear"), t.get("lbfgs")
        ours_sgd = t.get("sgd_plain") or t.get("sgd")
        sk = t.get("sklearn_sgd")
        updates = r["rows"] * SGD_EPOCHS

        def rate(row):
            return None if row is None or not row.get("train_seconds") else updates / row["train_seconds"]
        gap = None if newton is None or lib is None else newton["f_B"] - lib["f_B"]
        lines.append(
            f"| {r['name']} | {r['rows']:,} | {fmt(ratio(newton['wall'], lib['wall']) if newton and lib else None)} | "
            f"{fmt(gap, '+.1e')} | {fmt(ratio(newton['wall'], lbfgs['wall']) if newton and lbfgs else None)} | "
            f"{fmt(rate(sk), '.3g')} | {fmt(ratio(rate(t.get('sgd_plain')), rate(sk)))} | "
            f"{fmt(ratio(rate(t.get('sgd')), rate(sk)))} | {fmt(ratio(rate(t.get('sgd_sequential')), rate(sk)))} | "
            f"{fmt(ratio(sk['wall'], ours_sgd['wall']) if sk and ours_sgd else None)} |")
    return "\n".join(lines)


def versions(args):
    out = {}
    try:
        out["logreg"] = subprocess.run([args.logreg, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    for pkg in ("liblinear-tools", "python3-sklearn", "python3-numpy", "python3-scipy"):
        q = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        out[pkg] = q.stdout.strip()
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.*)", f.read())
    out["cpu"] = m.group(1) if m else "?"
    out["cores"] = os.cpu_count()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=["lbfgs", "sgd"], help=argparse.SUPPRESS)
    parser.add_argument("--train", help=argparse.SUPPRESS)
    parser.add_argument("--alpha", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--C", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--logreg", default=os.path.join(REPO, "build", "release", "cli", "logreg"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=os.environ.get("LOGREG_DATA_DIR",
                                                             os.path.join(REPO, "..", "shared", "data")))
    parser.add_argument("--datasets", default=",".join(DEFAULT_SETS),
                        help="comma-separated folders of --data-dir; empty for none")
    parser.add_argument("--synthetic", help="folder holding make_synthetic.py's synthetic_* folders")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated, of: " + ", ".join(ALL_TOOLS))
    parser.add_argument("--threads", type=int,
                        help="OMP_NUM_THREADS for the logreg runs (default: as in this environment)")
    parser.add_argument("--max-repeats", default="",
                        help="fewer runs for slow tools, e.g. lbfgs=1,sklearn_sgd=1 (the median of fewer runs)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--work", help="folder for the models (default: a temporary folder, removed)")
    parser.add_argument("--out", help="write the markdown tables here too")
    parser.add_argument("--json", help="write every measurement here")
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    args.logreg = os.path.abspath(args.logreg)
    args.tools = [t for t in args.tools.split(",") if t]
    args.max_repeats = {k: int(v) for k, v in (item.split("=") for item in args.max_repeats.split(",") if item)}
    for t in args.tools:
        if t not in ALL_TOOLS:
            parser.error(f"unknown tool {t}")
    if not os.access(args.logreg, os.X_OK):
        parser.error(f"{args.logreg} is not an executable; build it or pass --logreg")
    if "liblinear" in args.tools and shutil.which("liblinear-train") is None:
        parser.error("liblinear-train not found (Debian liblinear-tools)")
    help_text = subprocess.run([args.logreg, "train", "--help"], capture_output=True, text=True).stdout
    has_plain_flags = "--adaptive" in help_text and "--standardize" in help_text

    sets = []
    for name in [s for s in args.datasets.split(",") if s]:
        folder = os.path.join(args.data_dir, name)
        if os.path.exists(os.path.join(folder, "train.svm")):
            sets.append((name, folder))
        else:
            log(f"skipping {name}: no {folder}/train.svm")
    if args.synthetic:
        for name in sorted(os.listdir(args.synthetic)):
            folder = os.path.join(args.synthetic, name)
            if name.startswith("synthetic_") and os.path.exists(os.path.join(folder, "train.svm")):
                sets.append((name, folder))
    if not sets:
        parser.error("no dataset found")

    work = args.work or tempfile.mkdtemp(prefix="logreg_peers_")
    os.makedirs(work, exist_ok=True)
    started = time.perf_counter()
    load_before = os.getloadavg()
    results = []
    try:
        for name, folder in sets:
            results.append(run_dataset(name, folder, args, work, has_plain_flags))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    info = versions(args)
    blas = next((r["tools"][t].get("blas") for r in results for t in ("lbfgs", "sklearn_sgd")
                 if t in r["tools"] and r["tools"][t].get("blas")), None)
    blas_text = f"; scikit-learn's process loaded {', '.join(blas)}" if blas else ""
    threads = args.threads if args.threads is not None else os.environ.get("OMP_NUM_THREADS", "unset")
    how = (f"wall: of runs 2-{args.repeats}, started directly; peak RSS: run 1, under /usr/bin/time" if args.repeats > 1
           else "under /usr/bin/time")
    header = (f"Median of {args.repeats} runs per tool ({how}), repeats interleaved; logreg with OMP_NUM_THREADS={threads}; {info['cores']} cores ({info['cpu']}); "
              f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
              f"{seconds:.0f} s in all. {info.get('logreg', 'logreg')} ({args.logreg}), LIBLINEAR "
              f"{info['liblinear-tools']}, scikit-learn {info['python3-sklearn']}, numpy {info['python3-numpy']}, "
              f"scipy {info['python3-scipy']}"
              + blas_text + ".")
    text = header + "\n\nSummary (newton/peer wall < 1: logreg faster; SGD speed-up > 1: logreg faster):\n\n" + summary_table(results) + "\n\n"
    text += "\n\n".join(dataset_table(r) for r in results) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "repeats": args.repeats, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
