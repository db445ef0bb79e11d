#!/usr/bin/env bash
# The main job of `make run`: the note's comparison made concrete. Trains the
# sigmoid neuron with both losses (cross-entropy and squared error) by SGD on
# a dataset shipped in the repository and prints them side by side.
#
# Usage: scripts/compare-losses.sh [LOGREG_BINARY] [DATASET_FOLDER]
set -euo pipefail

logreg=${1:-build/release/cli/logreg}
dataset=${2:-data/heart_scale}
train="$dataset/train.svm"
test="$dataset/test.svm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rows=$("$logreg" info "$train" | awk '$1 == "rows" {print $2}')
# l2 = 1/n is LIBLINEAR's and scikit-learn's C = 1 (docs/objective.md).
l2=$(awk -v n="$rows" 'BEGIN {printf "%.17g", 1 / n}')
options=(--adaptive off --no-average --standardize off --l2 "$l2" --schedule optimal --epochs 200 --tol 1e-6 --seed 1 --quiet)

json_value() {  # json_value KEY < one-line JSON object
  sed -E "s/.*\"$1\": ([^,}]*).*/\1/"
}

declare -A result
for loss in bce se; do
  start=$(date +%s.%N)
  "$logreg" train "$train" -o "$work/$loss.json" --loss "$loss" "${options[@]}"
  end=$(date +%s.%N)
  result[$loss,time]=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
  result[$loss,epochs]=$(grep -A12 '"training"' "$work/$loss.json" | sed -nE 's/.*"iterations": ([0-9]+).*/\1/p')
  for split in train test; do
    file="$dataset/$split.svm"
    metrics=$("$logreg" eval "$work/$loss.json" "$file" --json)
    result[$loss,$split,log_loss]=$(json_value log_loss <<<"$metrics")
    result[$loss,$split,accuracy]=$(json_value accuracy <<<"$metrics")
    result[$loss,$split,auc]=$(json_value auc <<<"$metrics")
  done
done

echo "logreg: cross-entropy vs squared error on $dataset ($rows training rows)"
echo "the note's SGD: per-example updates, one step size (schedule optimal), l2 = 1/n = $l2"
echo
printf '%-22s %16s %16s\n' "" "cross-entropy" "squared error"
row() {  # row LABEL KEY FORMAT
  printf "%-22s %16${3} %16${3}\n" "$1" "${result[bce,$2]}" "${result[se,$2]}"
}
row "train log-loss" train,log_loss .4f
row "test log-loss" test,log_loss .4f
row "train accuracy" train,accuracy .4f
row "test accuracy" test,accuracy .4f
row "train AUC" train,auc .4f
row "test AUC" test,auc .4f
row "epochs" epochs d
row "time (s)" time .3f
