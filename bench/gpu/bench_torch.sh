#!/usr/bin/env bash
# Benchmarks of issue 6 on the device machine, in one call (results under $OUT):
#  1. first-call latency of `ssmix bench` (S1 SSD forward, fresh process and context);
#  2. bench/gpu/torch_compare.py: ssmix vs the PyTorch chunked reference, S1-S5, every operator and
#     pass, CUDA events, outputs checked against each other, floors from measured ceilings;
#  3. OpenCL on the NVIDIA driver: is there an ICD; if so ssmix info and the quick conformance.
# usage: bash bench/gpu/bench_torch.sh <dir with lib/ bin/ ssmix.h ocl/> (a build carried to the device)
set -u
B=$(cd "$1" && pwd)
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH=$B/lib
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c 'import torch; print("torch", torch.__version__)' | tee -a "$OUT/gpu.txt"

echo "== first call (S1 SSD forward bf16, fresh process)"
timeout 60 "$B/bin/ssmix" bench --backend cuda --op ssd --shape 8,4096,32,64,128,1,256 --dtype bf16 \
  --warmup 1 --iters 3 --json "$OUT/first_call_S1_ssd.json" 2>&1 | tail -4

echo "== ssmix vs PyTorch"
timeout "${TORCH_TIMEOUT:-240}" python3 bench/gpu/torch_compare.py --lib "$B/lib/libssmix.so" --header "$B/ssmix.h" \
  --iters "${ITERS:-5}" --warmup 1 --rotate 2 --json "$OUT/torch_compare.json" 2>&1 | tee "$OUT/torch_compare.txt"

echo "== OpenCL on NVIDIA"
{
  ls -la /etc/OpenCL/vendors 2>&1
  ldconfig -p | grep -i opencl
  nvlib=$(find / -xdev \( -name 'libnvidia-opencl.so*' \) 2>/dev/null | head -1)
  echo "libnvidia-opencl: ${nvlib:-not found}"
  if [ -n "$nvlib" ]; then
    mkdir -p /tmp/icd && echo "$nvlib" > /tmp/icd/nvidia.icd
    export OCL_ICD_VENDORS=/tmp/icd SSMIX_OPENCL_LIBRARY=$B/ocl/libOpenCL.so.1 SSMIX_CACHE_DIR=/tmp/sscache
    timeout 30 "$B/bin/ssmix" info 2>&1 | grep -A2 opencl
    for op in ssd qsmix; do
      SSMIX_REQUIRE_BACKENDS=opencl timeout 60 "$B/bin/ssmix_conformance" --backend opencl --op $op --quick 2>&1 | tail -3
    done
  fi
} 2>&1 | tee "$OUT/opencl_nvidia.txt"
