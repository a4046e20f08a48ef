#!/usr/bin/env bash
# GPU check: on a machine with an NVIDIA GPU, verify the reference fixture on the GPU and print
# training throughput. Usage (from the repository root):
#   scripts/gpu-check.sh [path/to/jgpt.jar]
# With no jar given it builds one with -Pcuda (no CPU libtorch inside); DJL then downloads the
# CUDA libtorch 2.7.1 into ~/.djl.ai on first use, so the first run needs the network (set
# PYTORCH_FLAVOR=cu128 to force the flavour). Exit code 0 only if every check passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPT_OUT_TRACKING=true
export RUST_FLAVOR=cpu   # the tokenizer stays on the CPU build
JAR="${1:-}"
if [ -z "$JAR" ]; then
  mvn -B -q -DskipTests package -Pcuda
  JAR=gpt-examples/target/jgpt.jar
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || {
  echo "error: nvidia-smi found no GPU" >&2; exit 1; }

run() { java -Dai.djl.default_engine=PyTorch -jar "$JAR" "$@"; }

echo "== engine and device"
run info --model tiny >/dev/null
# 1. Parity: greedy decoding of the fixture on the GPU must equal the reference continuation.
FIXTURE="testdata/tiny-gpt2"
PROMPT=$(python3 -c "import json;d=json.load(open('$FIXTURE/expected.json'));print(','.join(map(str,d['greedy_prompt_ids'])))" 2>/dev/null || true)
WANT=$(python3 -c "import json;d=json.load(open('$FIXTURE/expected.json'));print(','.join(map(str,d['greedy_continuation_ids'])))" 2>/dev/null || true)
if [ -z "$PROMPT" ] || [ -z "$WANT" ]; then
  echo "error: cannot read the fixture's greedy prompt/continuation from $FIXTURE" >&2; exit 1
fi
N=$(echo "$WANT" | tr ',' '\n' | wc -l)
GOT=$(run generate --device gpu --model "$FIXTURE" --prompt-ids "$PROMPT" --max-new-tokens "$N" --greedy --print-ids | tail -n 1)
if [ "$GOT" = "$WANT" ]; then
  echo "fixture on GPU: greedy continuation matches the reference ($N tokens)"
else
  echo "error: fixture on GPU: got $GOT, want $WANT" >&2; exit 1
fi
# 2. Throughput: GPT-2 124M (book layout) training steps and KV-cache decoding on the GPU.
echo "== bench-train on the GPU"
run bench-train --device gpu --steps "${STEPS:-50}" --batch-size "${BATCH:-8}"
echo "== bench-generate on the GPU"
run bench-generate --device gpu --skip-no-cache
# 3. Data parallelism: the same short pretraining run on 1 and on 2 GPUs, tokens/s of each.
GPUS=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
if [ "$GPUS" -ge 2 ]; then
  for DEVS in gpu:0 gpu:0,gpu:1; do
    OUT=$(mktemp -d)
    echo "== pretrain 124M on $DEVS"
    run pretrain --data the-verdict --model-size 124M --epochs 2 --batch-size 8 \
        --devices "$DEVS" --sample-tokens 0 --out "$OUT/run" | grep -E "^done:|step 0000(05|10)\)"
    rm -rf "$OUT"
  done
else
  echo "== one GPU: the multi-device run needs two"
fi
