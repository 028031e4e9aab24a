#!/usr/bin/env bash
# On a CUDA machine: build for the GPU's own architecture (or use a build carried along: BUILD=<dir>
# holding bin/ and lib/), run the cuda ctest label with the backend required (tensor-core and generic
# paths, every operator family), optionally the --full samples (FULL=1), then compute-sanitizer
# memcheck and racecheck on one quick case per operator family. Logs go to $OUT (or ./gpu-out).
set -uo pipefail
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
ops="ssd qsmix gla sscan conv decode"
nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader | tee "$out/gpu.txt"
if [ -n "${BUILD:-}" ]; then
  bin=$BUILD/bin
  export LD_LIBRARY_PATH=$BUILD/lib
else
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
  cmake -S . -B build-gpu -DCMAKE_CUDA_ARCHITECTURES="${arch}" -DSSMIX_HIP=OFF -DSSMIX_OPENCL=OFF >"$out/configure.log" 2>&1 \
    || { tail -30 "$out/configure.log"; exit 1; }
  cmake --build build-gpu -j"$(nproc)" >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
  bin=build-gpu/bin
fi
"$bin/ssmix" info | tee "$out/info.txt"
rc=0
export SSMIX_REQUIRE_BACKENDS=cuda
if [ -z "${BUILD:-}" ]; then # the stream and module tests need the ctest tree
  ctest --test-dir build-gpu -R "gpu_cuda_stream|gpu_module_cuda" --output-on-failure >"$out/ctest-cuda-stream.log" 2>&1 || rc=1
  echo "ctest gpu_cuda_stream, gpu_module_cuda: $(grep 'tests passed' "$out/ctest-cuda-stream.log")"
fi
for tc in 1 0; do # tensor-core tile products, then the generic dialect path
  for op in $ops; do
    SSMIX_CUDA_TENSOR_CORES=$tc "$bin/ssmix_conformance" --backend cuda --op "$op" --quick >"$out/quick-$op-tc$tc.log" 2>&1 || rc=1
    echo "quick $op tensor_cores=$tc: $(tail -1 "$out/quick-$op-tc$tc.log")"
    if [ "${FULL:-0}" = 1 ]; then
      SSMIX_CUDA_TENSOR_CORES=$tc "$bin/ssmix_conformance" --backend cuda --op "$op" --full >"$out/full-$op-tc$tc.log" 2>&1 || rc=1
      echo "full  $op tensor_cores=$tc: $(tail -1 "$out/full-$op-tc$tc.log")"
    fi
  done
done
for tool in memcheck racecheck; do
  for op in $ops; do
    compute-sanitizer --tool "$tool" --error-exitcode 9 "$bin/ssmix_conformance" --backend cuda --op "$op" --quick --case 1 \
      >"$out/sanitizer-$tool-$op.log" 2>&1
    s=$?
    echo "compute-sanitizer $tool $op: exit $s; $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer-$tool-$op.log" | tail -1)"
    [ $s -eq 0 ] || rc=1
  done
done
exit $rc
