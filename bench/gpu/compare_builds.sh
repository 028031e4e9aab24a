#!/usr/bin/env bash
# Two builds side by side in one run (METHOD.md: a change is measured against the version before
# it, same machine, same process order): `ssmix bench` of each case with build A, then build B,
# twice over (A B A B), device events, median of --iters, rotating inputs.
# usage: bash bench/gpu/compare_builds.sh <build A> <build B>   (each with bin/ and lib/)
# CASES: one "op|shape|dtype|extra flags" per line (default: SSD S1 and S2, bf16, fwd and fwd+bwd).
set -u
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
default_cases="ssd|8,4096,32,64,128,1,256|bf16|
ssd|8,4096,32,64,128,1,256|bf16|--backward
ssd|1,8192,128,64,128,1,256|bf16|
ssd|1,8192,128,64,128,1,256|bf16|--backward"
cases=${CASES:-$default_cases}
ms() { # build, op, shape, dtype, flags -> median ms
  LD_LIBRARY_PATH=$1/lib timeout 120 "$1/bin/ssmix" bench --backend cuda --op "$2" --shape "$3" --dtype "$4" $5 \
    --warmup 2 --iters "${ITERS:-10}" --rotate 2 --json "$out/cmp.json" >/dev/null 2>"$out/cmp.err" || { echo nan; return; }
  python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["median_ms"])' "$out/cmp.json"
}
printf '%-6s %-28s %-5s %-11s %9s %9s %9s %9s %7s\n' op shape dtype flags A1 B1 A2 B2 A/B
while IFS='|' read -r op shape dt flags; do
  [ -z "$op" ] && continue
  a1=$(ms "$A" "$op" "$shape" "$dt" "$flags"); b1=$(ms "$B" "$op" "$shape" "$dt" "$flags")
  a2=$(ms "$A" "$op" "$shape" "$dt" "$flags"); b2=$(ms "$B" "$op" "$shape" "$dt" "$flags")
  r=$(python3 -c "import sys; a=min(float(sys.argv[1]),float(sys.argv[3])); b=min(float(sys.argv[2]),float(sys.argv[4])); print('%.2f' % (a/b))" "$a1" "$b1" "$a2" "$b2" 2>/dev/null || echo nan)
  printf '%-6s %-28s %-5s %-11s %9s %9s %9s %9s %7s\n' "$op" "$shape" "$dt" "${flags:-fwd}" "$a1" "$b1" "$a2" "$b2" "$r"
done <<<"$cases"
rm -f "$out/cmp.json" "$out/cmp.err"
