#!/usr/bin/env bash
# On a CUDA machine: build for the GPU's own architecture, run the cuda ctest label with the
# backend required (tensor-core and generic paths), then compute-sanitizer memcheck and racecheck on
# one quick case per operator. Logs go to $OUT (or ./gpu-out).
set -uo pipefail
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader | tee "$out/gpu.txt"
cmake -S . -B build-gpu -DCMAKE_CUDA_ARCHITECTURES="${arch}" -DSSMIX_HIP=OFF -DSSMIX_OPENCL=OFF >"$out/configure.log" 2>&1 \
  || { tail -30 "$out/configure.log"; exit 1; }
cmake --build build-gpu -j"$(nproc)" >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
./build-gpu/bin/ssmix info | tee "$out/info.txt"
SSMIX_REQUIRE_BACKENDS=cuda ctest --test-dir build-gpu -L cuda --output-on-failure 2>&1 | tee "$out/ctest-cuda.log" | tail -15
rc=${PIPESTATUS[0]}
for tool in memcheck racecheck; do
  for op in ssd qsmix; do
    compute-sanitizer --tool "$tool" --error-exitcode 9 ./build-gpu/bin/ssmix_conformance --backend cuda --op "$op" --quick --case 1 \
      >"$out/sanitizer-$tool-$op.log" 2>&1
    s=$?
    echo "compute-sanitizer $tool $op: exit $s; $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer-$tool-$op.log" | tail -1)"
    [ $s -eq 0 ] || rc=1
  done
done
exit $rc
