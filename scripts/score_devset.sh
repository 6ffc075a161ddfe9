#!/usr/bin/env bash
# Runs the pipeline on each rendering of a labelled corpus (folders with truth.json and
# seedlike.txt / w3m.txt / markdown.md) and scores the Parquet with the segmentation scorer.
# usage: scripts/score_devset.sh CORPUS_DIR [SCORER]   (SCORER defaults to CORPUS_DIR/../../tools/score_segmentation.py)
set -euo pipefail
corpus="$(cd "$1" && pwd)"
scorer="${2:-$corpus/../../tools/score_segmentation.py}"
out="$(mktemp -d)"
for file in seedlike.txt w3m.txt markdown.md; do
  label="${file%%.*}"
  article-ingest run --input "$corpus/*/$file" --output "$out/$label" >/dev/null
  python3 "$scorer" "$corpus" "$out/$label/articles" "$label" | tail -n 2
done
echo "output kept in $out"
