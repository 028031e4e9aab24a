#!/usr/bin/env bash
# Device-event timings (`ssmix bench`) of the operators beyond SSD and the mixer, at sizes that fill
# an H100, forward and forward+backward, bf16. usage: bash bench/gpu/bench_ops.sh <build dir>
# One JSON line per run in $OUT/bench_ops.jsonl (or ./gpu-out), a table on stdout.
set -u
B=$(cd "$1" && pwd)
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
export LD_LIBRARY_PATH=$B/lib
runs=(
  "--op gla --mode causal --shape 8,4096,16,128,128,64"
  "--op gla --mode bidirectional --shape 8,4096,16,128,128,64"
  "--op sscan --mode per-token --shape 8,2048,4096,16,1"
  "--op conv --mode causal --shape 8,4096,4096,4"
  "--op conv --mode centered --shape 8,4096,4096,7"
  "--op ssd_decode --shape 256,32,64,128,1"
  "--op sscan_decode --shape 256,4096,16,1"
  "--op conv_update --shape 256,4096,4"
)
: >"$out/bench_ops.jsonl"
for r in "${runs[@]}"; do
  for bw in "" "--backward"; do
    case "$r" in *decode*|*update*) [ -n "$bw" ] && continue ;; esac
    timeout 120 "$B/bin/ssmix" bench --backend cuda $r $bw --dtype bf16 --warmup 2 --iters 10 --rotate 2 \
      --json "$out/tmp.json" >/dev/null 2>"$out/tmp.err" || { echo "FAILED: $r $bw: $(tail -2 "$out/tmp.err")"; continue; }
    cat "$out/tmp.json" >>"$out/bench_ops.jsonl"; echo >>"$out/bench_ops.jsonl"
    python3 - "$out/tmp.json" "$r $bw" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
keys = [k for k in ("median_ms", "gbps", "tflops", "first_call_ms") if k in j]
print(f"{sys.argv[2]:<62} " + "  ".join(f"{k}={j[k]:.4g}" for k in keys))
PY
  done
done
rm -f "$out/tmp.json" "$out/tmp.err"
