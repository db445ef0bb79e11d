#!/usr/bin/python3
"""The table of docs/sgd-defaults.md: test log-loss of logreg's default SGD against the
exact L2 optimum and scikit-learn's SGDClassifier, on every set of the shared data folder.

Usage (from the repository root):
  /usr/bin/python3 bench/sgd_defaults.py [--logreg build/release/cli/logreg]
                                         [--data-dir ../shared/data] [--sets a,b,...]
                                         [--variants] [--out FILE.md] [--json FILE.json]

For every folder of --data-dir that holds train.svm and test.svm (all of them unless
--sets is given), with n = the number of training rows:

  (a) defaults    logreg train TRAIN -o M                      (no tuning flag at all)
  (b) optimum     logreg train TRAIN -o M --solver newton --C 1 --tol 1e-8
                  the exact minimiser of mean log-loss + ||w||^2 / (2 n), bias not penalised
  (c) sklearn     SGDClassifier(loss="log_loss", penalty="l2", alpha=1/n, max_iter=10,
                  tol=None, random_state=0), learning_rate="optimal" (its default),
                  on the raw features as load_svmlight_files reads them
  (d) sklearn+std the same SGDClassifier after StandardScaler fitted on the training set;
                  StandardScaler() (centring and scaling) where the training matrix has at
                  most 5e6 cells, else StandardScaler(with_mean=False) on the sparse matrix
                  (centring would make it dense: movielens_liked alone would need 6 GB)

and, to show where the differences come from,

  (e) logreg train TRAIN -o M --standardize off   (the defaults without standardisation)
  (f) logreg train TRAIN -o M --no-average        (the defaults without averaging)
  (g) logreg train TRAIN -o M --l2 0              (the defaults without a penalty)

and the worst gap of (a) over the seeds 1 to 5 (--seed; the default is 1).

and reports each one's log-loss on TEST. logreg's values are `logreg eval M TEST --json`'s
"log_loss"; scikit-learn's are computed here the way logreg computes them, from the margin
z = w.x + b as mean log(1 + exp(-s z)), s = +1 for label 1 and -1 for label 0, so a huge
margin gives a huge (finite) loss instead of a clipped probability. The script also
recomputes logreg's two values from the model files the same way and stops if they differ.

"gap" is (a) relative to (b); "meets" is whether (a) is within 2 % of (b) (or below it).
"std" tells whether the default run standardised the features (the model file only records
"standardize": "auto"): the default model is compared bit for bit with the models of
--standardize on and --standardize off, and the answer is checked against the rule of
wants_standardize() in src/learn/sgd_coordinate.cpp, recomputed here from the training
matrix. "no-op" means both give the same bits: the transform is the identity there (no
dense column, and every sparse column's scale is 1).

--variants adds a second table: for every set that misses the bar, the test log-loss of the
defaults with one change each (VARIANTS below), and of the unpenalised optimum (l2 = 1e-12
keeps Newton well defined).

Everything is deterministic (fixed seeds): a rerun prints the same tables.

scikit-learn is imported after OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the
environment (set on some machines for old OpenBLAS builds; they slow a current numpy and
do not change the results).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_name, None)

import numpy as np  # noqa: E402
from sklearn.datasets import load_svmlight_files  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EPOCHS = 10
DENSE_CELLS = 5_000_000
BAR = 0.02
SEEDS = [1, 2, 3, 4, 5]


def log(message):
    print(message, file=sys.stderr, flush=True)


def margin_log_loss(z, y):
    """Mean cross-entropy from the margins, without rounding to probabilities."""
    s = np.where(y > 0.5, 1.0, -1.0)
    return float(np.mean(np.logaddexp(0.0, -s * z)))


def wants_standardize(X):
    """src/learn/sgd_coordinate.cpp's rule for --standardize auto (X: CSR, zeros dropped)."""
    rows = X.shape[0]
    X = X.tocsc()
    count = np.diff(X.indptr).astype(float)
    total = np.asarray(X.sum(axis=0)).ravel()
    squares = np.asarray(X.multiply(X).sum(axis=0)).ravel()
    smallest, largest = np.inf, 0.0
    for j in range(X.shape[1]):
        if count[j] < 0.5 * rows or squares[j] <= 0.0:
            continue
        mean = total[j] / rows
        variance = squares[j] / rows - mean * mean
        if mean * mean > variance:
            return True
        smallest = min(smallest, squares[j])
        largest = max(largest, squares[j])
    return bool(largest > 100.0 * smallest)


def run_logreg(logreg, train, test, model, extra):
    cmd = [logreg, "train", train, "-o", model, "-q"] + extra
    subprocess.run(cmd, check=True)
    out = subprocess.run([logreg, "eval", model, test, "--json"], check=True, capture_output=True, text=True)
    metrics = json.loads(out.stdout)
    with open(model) as f:
        m = json.load(f)
    return metrics["log_loss"], m


def logreg_margins(m, X):
    w = np.zeros(X.shape[1])
    k = min(len(m["weights"]), X.shape[1])
    w[:k] = m["weights"][:k]
    return X @ w + m["bias"]


def run_set(name, folder, args, work):
    train = os.path.join(folder, "train.svm")
    test = os.path.join(folder, "test.svm")
    X, y, Xt, yt = load_svmlight_files([train, test])
    X = X.tocsr()
    Xt = Xt.tocsr()
    X.eliminate_zeros()
    Xt.eliminate_zeros()
    n, d = X.shape
    log(f"== {name}: {n} training rows, {d} features")
    model = os.path.join(work, name + ".json")

    a, ma = run_logreg(args.logreg, train, test, model, [])
    # Whether the defaults standardised: the default model is bit-identical to the
    # --standardize on model or to the --standardize off one (same seed, same path).
    _, m_on = run_logreg(args.logreg, train, test, model, ["--standardize", "on"])
    e, m_off = run_logreg(args.logreg, train, test, model, ["--standardize", "off"])
    same_on = (m_on["weights"], m_on["bias"]) == (ma["weights"], ma["bias"])
    same_off = (m_off["weights"], m_off["bias"]) == (ma["weights"], ma["bias"])
    if same_on and same_off:
        standardized = "no-op"  # on and off give the same bits: every scale and centre is trivial
    elif same_on != same_off and same_on == wants_standardize(X):
        standardized = "on" if same_on else "off"
    else:
        raise RuntimeError(f"{name}: cannot tell whether the defaults standardised "
                           f"(same as on: {same_on}, as off: {same_off}, rule: {wants_standardize(X)})")
    b, mb = run_logreg(args.logreg, train, test, model, ["--solver", "newton", "--C", "1", "--tol", "1e-8"])
    f, _ = run_logreg(args.logreg, train, test, model, ["--no-average"])
    g, _ = run_logreg(args.logreg, train, test, model, ["--l2", "0"])
    seed_losses = [a] + [run_logreg(args.logreg, train, test, model, ["--seed", str(seed)])[0] for seed in SEEDS[1:]]
    for value, m in ((a, ma), (b, mb)):
        check = margin_log_loss(logreg_margins(m, Xt), yt)
        if abs(check - value) > 1e-9 * max(1.0, abs(value)):
            raise RuntimeError(f"{name}: logreg eval says {value}, numpy says {check}")

    def sgd(Xtr, Xte):
        clf = SGDClassifier(loss="log_loss", penalty="l2", alpha=1.0 / n, max_iter=EPOCHS, tol=None,
                            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xtr, y)
        assert list(clf.classes_) == [0.0, 1.0]
        return margin_log_loss(clf.decision_function(Xte), yt)

    c = sgd(X, Xt)
    centred = n * d <= DENSE_CELLS
    if centred:
        scaler = StandardScaler().fit(X.toarray())
        dd = sgd(scaler.transform(X.toarray()), scaler.transform(Xt.toarray()))
    else:
        scaler = StandardScaler(with_mean=False).fit(X)
        dd = sgd(scaler.transform(X), scaler.transform(Xt))

    row = {
        "set": name, "rows": n, "features": d,
        "standardized": standardized,
        "defaults": a, "defaults_epochs": ma["training"]["iterations"],
        "defaults_stop": ma["training"]["stop_reason"],
        "optimum": b, "optimum_iterations": mb["training"]["iterations"],
        "sklearn_sgd": c, "sklearn_sgd_scaled": dd, "scaler_centred": centred,
        "defaults_standardize_off": e, "defaults_no_average": f, "defaults_no_penalty": g,
        "worst_seed_gap": max((x - b) / b for x in seed_losses),
    }
    row["gap"] = (a - b) / b
    row["meets"] = a <= (1.0 + BAR) * b
    log(f"   defaults {a:.4f} ({row['defaults_epochs']} epochs), optimum {b:.4f}, "
        f"sklearn {c:.4g}, sklearn+scaler {dd:.4f}")
    return row


# Variants tried on every set that misses the bar (--variants): what helps, and what the
# unpenalised optimum gives.
VARIANTS = [
    ["--epochs", "30"],
    ["--epochs", "100"],
    ["--adaptive", "normalized"],
    ["--learning-rate", "0.3"],
    ["--learning-rate", "1.5"],
    ["--solver", "newton", "--l2", "1e-12", "--tol", "1e-8", "--max-iter", "200"],
]


def run_variants(rows, args, work):
    records = []
    lines = ["| set | `logreg train TRAIN -o M ...` | test log-loss | vs (b) | epochs or iterations | stop |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        if r["meets"]:
            continue
        folder = os.path.join(args.data_dir, r["set"])
        train = os.path.join(folder, "train.svm")
        test = os.path.join(folder, "test.svm")
        for extra in VARIANTS:
            loss, m = run_logreg(args.logreg, train, test, os.path.join(work, "variant.json"), extra)
            log(f"   {r['set']} {' '.join(extra)}: {loss:.4f}")
            records.append({"set": r["set"], "options": " ".join(extra), "log_loss": loss,
                            "vs_optimum": (loss - r["optimum"]) / r["optimum"],
                            "iterations": m["training"]["iterations"], "stop": m["training"]["stop_reason"]})
            lines.append(f"| {r['set']} | `{' '.join(extra)}` | {fmt_loss(loss)} | "
                         f"{100 * (loss - r['optimum']) / r['optimum']:+.1f}% | {m['training']['iterations']} | "
                         f"{m['training']['stop_reason']} |")
    return "\n".join(lines) + "\n", records


def fmt_loss(x):
    return f"{x:.4f}" if x < 100 else f"{x:.3g}"


def table(rows):
    lines = [
        "| set | n | d | std | (a) defaults | epochs | (b) optimum | gap | within 2% | "
        "worst gap, seeds 1-5 | (c) SGDClassifier raw | (d) SGDClassifier scaled | (e) = (a) + --standardize off | "
        "(f) = (a) + --no-average | (g) = (a) + --l2 0 |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['rows']} | {r['features']} | {r['standardized']} | "
            f"{fmt_loss(r['defaults'])} | {r['defaults_epochs']} | {fmt_loss(r['optimum'])} | "
            f"{100 * r['gap']:+.1f}% | {'yes' if r['meets'] else '**no**'} | {100 * r['worst_seed_gap']:+.1f}% | "
            f"{fmt_loss(r['sklearn_sgd'])} | "
            f"{fmt_loss(r['sklearn_sgd_scaled'])}{'' if r['scaler_centred'] else ' *'} | "
            f"{fmt_loss(r['defaults_standardize_off'])} | {fmt_loss(r['defaults_no_average'])} | "
            f"{fmt_loss(r['defaults_no_penalty'])} |")
    met = sum(r["meets"] for r in rows)
    lines.append("")
    lines.append(f"(a) within 2% of (b) on {met} of {len(rows)} sets; "
                 "* = StandardScaler(with_mean=False) (sparse set, not centred).")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logreg", default=os.path.join(REPO, "build/release/cli/logreg"))
    parser.add_argument("--data-dir", default=os.environ.get("LOGREG_DATA_DIR",
                                                             os.path.join(os.path.dirname(REPO), "shared/data")))
    parser.add_argument("--sets", help="comma-separated set names (default: every folder with train.svm)")
    parser.add_argument("--out", help="also write the Markdown table here")
    parser.add_argument("--json", help="also write the rows (and variants) as JSON here")
    parser.add_argument("--variants", action="store_true",
                        help="also try a few options on every set that misses the 2%% bar (a second table)")
    args = parser.parse_args()
    args.logreg = os.path.abspath(args.logreg)

    if args.sets:
        names = args.sets.split(",")
    else:
        names = sorted(e for e in os.listdir(args.data_dir)
                       if os.path.isfile(os.path.join(args.data_dir, e, "train.svm"))
                       and os.path.isfile(os.path.join(args.data_dir, e, "test.svm")))
    rows = []
    with tempfile.TemporaryDirectory(prefix="sgd_defaults.") as work:
        for name in names:
            rows.append(run_set(name, os.path.join(args.data_dir, name), args, work))
        text = table(rows)
        variants = []
        if args.variants:
            variant_text, variants = run_variants(rows, args, work)
            text += "\n" + variant_text
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "variants": variants}, f, indent=1)


if __name__ == "__main__":
    main()
