#!/usr/bin/python3
"""Seeded synthetic LIBSVM datasets for the benchmarks (docs/benchmarks.md).

Usage: make_synthetic.py OUT_DIR [--rows N] [--test-rows N] [--sets dense,sparse] [--seed S]

Writes OUT_DIR/synthetic_dense_<rows>/{train,test}.svm and
OUT_DIR/synthetic_sparse_<rows>/{train,test}.svm (<rows> as 1M, 200k, ...), each with an
info.json describing it. OUT_DIR must be outside the repository: 1M rows make ~1 GB (dense)
and ~0.5 GB (sparse) of text.

dense:  X ~ N(0, 1), 100 features, every value written with 4 decimals;
        y ~ Bernoulli(sigmoid(w*.x + b*)) with fixed true weights w* ~ N(0, 0.3^2), b* = -0.5.
sparse: 2^20 features; each row draws 1 + Poisson(40) feature ranks from a Zipf-like law
        p(rank r) ~ (r + 10)^-1.05 (about 40 distinct after merging repeats); ranks map to
        indices through a fixed random permutation, so popular features are spread over
        the weight vector as in real data. A quarter of the features are binary (value 1);
        the others carry a tf-idf-like positive value (1 + log tf) * idf with 3 decimals.
        y ~ Bernoulli(sigmoid(w*.x + b*)) with a sparse true model: 5% of the features
        have a non-zero weight.
Labels are 0/1; indices 1-based and ascending. Rows are made in blocks of 50,000, each from
its own seeded stream, so a smaller --rows gives a prefix of the larger file (same seed).
The test file uses other streams than the training file. Formatting is vectorised: the
characters of every token are built as digit columns in numpy and written at once.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

BLOCK = 50_000
DENSE_FEATURES = 100
SPARSE_FEATURES = 1 << 20
SPARSE_DRAWS = 40  # mean of the Poisson number of draws per row (plus 1)
ZIPF_EXPONENT = 1.05
ZIPF_OFFSET = 10.0


def rows_label(n):
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


# DIGITS[v] is the zero-padded 4-digit text of v < 10000.
DIGITS = np.array([list(f"{v:04d}".encode()) for v in range(10000)], dtype=np.uint8)


def put_digits(chars, mask, column, values, width):
    """Writes the decimal digits of non-negative integers values < 10^width into
    chars[:, column:column+width] (right-aligned); mask hides the leading zeros (the last
    digit always shows)."""
    c = column
    if width > 4:
        chars[:, c:c + width - 4] = DIGITS[values // 10000][:, 8 - width:]
        chars[:, c + width - 4:c + width] = DIGITS[values % 10000]
    else:
        chars[:, c:c + width] = DIGITS[values][:, 4 - width:]
    for p in range(width - 1):
        mask[:, c + p] = values >= 10 ** (width - 1 - p)
    mask[:, c + width - 1] = True


def format_libsvm(labels, row_ptr, indices, scaled, decimals, int_width):
    """LIBSVM text of CSR rows as bytes. indices: 1-based ints < 10^7; scaled: values
    times 10^decimals as int64, written as [-]I.DDD, or as I when the fraction is 0.
    Each token is laid out in a fixed-width row of characters with a mask of the ones
    shown: [label][' '][index x7][':']['-'][integral x int_width]['.'][fraction]['\\n']."""
    n_tok = indices.shape[0]
    counts = np.diff(row_ptr)
    assert counts.min() >= 1, "every row needs at least one feature"
    assert decimals <= 4 and int_width <= 4
    width = 1 + 1 + 7 + 1 + 1 + int_width + (1 + decimals if decimals else 0) + 1
    chars = np.empty((n_tok, width), np.uint8)
    mask = np.empty((n_tok, width), bool)

    chars[:, 0] = np.repeat(labels.astype(np.uint8) + 48, counts)
    mask[:, 0] = False
    mask[row_ptr[:-1], 0] = True
    chars[:, 1] = 32
    mask[:, 1] = True
    put_digits(chars, mask, 2, indices, 7)
    chars[:, 9] = 58  # ':'
    mask[:, 9] = True
    magnitude = np.abs(scaled)
    chars[:, 10] = 45  # '-'
    mask[:, 10] = (scaled < 0)
    unit = 10 ** decimals
    put_digits(chars, mask, 11, magnitude // unit, int_width)
    c = 11 + int_width
    if decimals:
        fraction = magnitude % unit
        has_fraction = fraction != 0  # 1.000 is written "1"
        chars[:, c] = 46  # '.'
        mask[:, c] = has_fraction
        chars[:, c + 1:c + 1 + decimals] = DIGITS[fraction][:, 4 - decimals:]
        mask[:, c + 1:c + 1 + decimals] = has_fraction[:, None]
        c += 1 + decimals
    chars[:, c] = 10
    mask[:, c] = False
    mask[row_ptr[1:] - 1, c] = True
    return chars[mask].tobytes()


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Dense:
    name = "dense"

    def __init__(self, seed):
        rng = np.random.default_rng([seed, 1])
        self.w = rng.normal(0.0, 0.3, DENSE_FEATURES)
        self.b = -0.5
        self.features = DENSE_FEATURES

    def block(self, rng, rows):
        x = rng.normal(size=(rows, DENSE_FEATURES))
        x = np.clip(x, -99.0, 99.0)
        scaled = np.rint(x * 1e4).astype(np.int64)
        x = scaled / 1e4  # the labels follow the values as written
        z = x @ self.w + self.b
        y = (rng.random(rows) < sigmoid(z)).astype(np.int64)
        row_ptr = np.arange(rows + 1, dtype=np.int64) * DENSE_FEATURES
        indices = np.tile(np.arange(1, DENSE_FEATURES + 1, dtype=np.int64), rows)
        return format_libsvm(y, row_ptr, indices, scaled.ravel(), 4, 2), rows * DENSE_FEATURES


class Sparse:
    name = "sparse"

    def __init__(self, seed):
        rng = np.random.default_rng([seed, 2])
        d = SPARSE_FEATURES
        p = (np.arange(d) + ZIPF_OFFSET) ** -ZIPF_EXPONENT
        p /= p.sum()
        self.cdf = np.cumsum(p)
        self.cdf[-1] = 1.0
        # Document frequency ~ popularity: idf of rank r.
        expected_df = 1.0 - np.exp(-SPARSE_DRAWS * p)
        self.idf_by_rank = np.log(1.0 / expected_df)
        self.index_of_rank = rng.permutation(d).astype(np.int64)  # 0-based column of each rank
        self.rank_of_index = np.empty(d, np.int64)
        self.rank_of_index[self.index_of_rank] = np.arange(d)
        self.binary_by_rank = rng.random(d) < 0.25
        self.w = np.where(rng.random(d) < 0.05, rng.normal(0.0, 1.0, d), 0.0)
        self.b = -0.3
        self.features = d

    def block(self, rng, rows):
        draws = 1 + rng.poisson(SPARSE_DRAWS, rows)
        total = int(draws.sum())
        ranks = np.searchsorted(self.cdf, rng.random(total), side="right").astype(np.int64)
        ranks = np.minimum(ranks, SPARSE_FEATURES - 1)
        row_of_draw = np.repeat(np.arange(rows, dtype=np.int64), draws)
        cols = self.index_of_rank[ranks]
        key = np.sort(row_of_draw * SPARSE_FEATURES + cols)
        # Merge repeats: tf = how often a column was drawn in the row.
        unique_key, tf = np.unique(key, return_counts=True)
        row = unique_key // SPARSE_FEATURES
        col = unique_key % SPARSE_FEATURES
        r = self.rank_of_index[col]
        value = np.where(self.binary_by_rank[r], 1.0, (1.0 + np.log(tf)) * self.idf_by_rank[r] / 4.0)
        scaled = np.maximum(np.rint(value * 1e3).astype(np.int64), 1)
        value = scaled / 1e3
        counts = np.bincount(row, minlength=rows)
        row_ptr = np.zeros(rows + 1, np.int64)
        np.cumsum(counts, out=row_ptr[1:])
        z = np.add.reduceat(value * self.w[col], row_ptr[:-1]) + self.b
        y = (rng.random(rows) < sigmoid(z)).astype(np.int64)
        int_width = max(1, len(str(int(scaled.max() // 1000))))
        return format_libsvm(y, row_ptr, col + 1, scaled, 3, int_width), int(col.shape[0])


def write_file(path, generator, rows, seed, stream):
    nnz = 0
    with open(path + ".part", "wb") as f:
        for b, start in enumerate(range(0, rows, BLOCK)):
            rng = np.random.default_rng([seed, stream, b])
            text, block_nnz = generator.block(rng, min(BLOCK, rows - start))
            f.write(text)
            nnz += block_nnz
    os.replace(path + ".part", path)
    return nnz


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--rows", type=int, default=1_000_000, help="training rows (default 1M)")
    parser.add_argument("--test-rows", type=int, help="test rows (default rows/10)")
    parser.add_argument("--sets", default="dense,sparse", help="comma-separated: dense, sparse")
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    test_rows = args.test_rows if args.test_rows is not None else max(1, args.rows // 10)
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    out_dir = os.path.abspath(args.out_dir)
    if out_dir == repo or out_dir.startswith(repo + os.sep):
        sys.exit(f"make_synthetic.py: {out_dir} is inside the repository; write elsewhere")
    for name in args.sets.split(","):
        start = time.perf_counter()
        generator = {"dense": Dense, "sparse": Sparse}[name.strip()](args.seed)
        folder = os.path.join(out_dir, f"synthetic_{generator.name}_{rows_label(args.rows)}")
        os.makedirs(folder, exist_ok=True)
        info = {"set": generator.name, "seed": args.seed, "features": generator.features}
        for part, rows, stream in (("train", args.rows, 0), ("test", test_rows, 1)):
            path = os.path.join(folder, part + ".svm")
            nnz = write_file(path, generator, rows, args.seed, stream)
            info[part] = {"rows": rows, "nnz": nnz, "nnz_per_row": nnz / rows, "bytes": os.path.getsize(path)}
        with open(os.path.join(folder, "info.json"), "w") as f:
            json.dump(info, f, indent=1)
        seconds = time.perf_counter() - start
        print(f"{folder}: train {info['train']['rows']} rows, {info['train']['nnz_per_row']:.1f} nnz/row, "
              f"{info['train']['bytes'] / 1e6:.0f} MB; test {info['test']['rows']} rows; {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
