#!/usr/bin/env bash
# On a CUDA machine: build for the GPU's own architecture (or use a build carried along: BUILD=<dir>
# holding bin/ and lib/), run the cuda conformance with the backend required (tensor-core and generic
# paths, every operator family), optionally the --full samples (FULL=1; of the families in FULL_OPS,
# default all), then compute-sanitizer memcheck and racecheck on one quick case per operator family
# (of the families in SANITIZE_OPS, default all; for each SSMIX_CUDA_TENSOR_CORES value in
# SANITIZER_TC, default 1). The conformance runs go side by
# side (JOBS at a time, default: CPU count; the CPU oracle, not the GPU, is what takes the time).
# Logs go to $LOGDIR (default ./gpu-out) and, when $OUT is set, into one tarball $OUT/conformance-logs.tgz.
set -uo pipefail
logdir=${LOGDIR:-$PWD/gpu-out}
mkdir -p "$logdir"
ops=${OPS:-"ssd qsmix gla sscan conv decode"}
jobs=${JOBS:-$(nproc)}
nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader | tee "$logdir/gpu.txt"
if [ -n "${BUILD:-}" ]; then
  bin=$BUILD/bin
  export LD_LIBRARY_PATH=$BUILD/lib
else
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
  cmake -S . -B build-gpu -DCMAKE_CUDA_ARCHITECTURES="${arch}" -DSSMIX_HIP=OFF -DSSMIX_OPENCL=OFF >"$logdir/configure.log" 2>&1 \
    || { tail -30 "$logdir/configure.log"; exit 1; }
  cmake --build build-gpu -j"$(nproc)" >"$logdir/build.log" 2>&1 || { tail -30 "$logdir/build.log"; exit 1; }
  bin=build-gpu/bin
fi
"$bin/ssmix" info | tee "$logdir/info.txt"
rc=0
export SSMIX_REQUIRE_BACKENDS=cuda
if [ -z "${BUILD:-}" ]; then # the stream and module tests need the ctest tree
  ctest --test-dir build-gpu -R "gpu_cuda_stream|gpu_module_cuda" --output-on-failure >"$logdir/ctest-cuda-stream.log" 2>&1 || rc=1
  echo "ctest gpu_cuda_stream, gpu_module_cuda: $(grep 'tests passed' "$logdir/ctest-cuda-stream.log")"
fi

# one conformance run: <sample> <tensor-core switch> <op>; exit status in <log>.rc
conf_run() {
  local log="$logdir/$1-$3-tc$2.log"
  SSMIX_CUDA_TENSOR_CORES=$2 "$bin/ssmix_conformance" --backend cuda --op "$3" "--$1" >"$log" 2>&1
  echo $? >"$log.rc"
}
export -f conf_run
export bin logdir
full_ops=${FULL_OPS:-$ops}
{
  for tc in 1 0; do for op in $ops; do echo "quick $tc $op"; done; done
  if [ "${FULL:-0}" = 1 ]; then for tc in 1 0; do for op in $full_ops; do echo "full $tc $op"; done; done; fi
} |
  xargs -P "$jobs" -L 1 bash -c 'conf_run "$0" "$1" "$2"'
for s in quick full; do
  [ $s = full ] && { [ "${FULL:-0}" = 1 ] || break; }
  for tc in 1 0; do # tensor-core tile products, then the generic dialect path
    for op in $( [ $s = full ] && echo "$full_ops" || echo "$ops"); do
      log="$logdir/$s-$op-tc$tc.log"
      st=$(cat "$log.rc" 2>/dev/null || echo missing)
      printf '%-5s %-6s tensor_cores=%s: exit %s; %s\n' "$s" "$op" "$tc" "$st" "$(tail -1 "$log")"
      [ "$st" = 0 ] || rc=1
    done
  done
done
for tc in ${SANITIZER_TC:-1}; do # tensor-core paths to check (default: the default path only)
  for tool in memcheck racecheck; do
    for op in ${SANITIZE_OPS:-$ops}; do
      log="$logdir/sanitizer-$tool-$op-tc$tc.log"
      SSMIX_CUDA_TENSOR_CORES=$tc timeout "${SANITIZER_TIMEOUT:-120}" compute-sanitizer --tool "$tool" --error-exitcode 9 \
        "$bin/ssmix_conformance" --backend cuda --op "$op" --quick --case 1 >"$log" 2>&1
      s=$?
      echo "compute-sanitizer $tool $op tensor_cores=$tc: exit $s; $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -1)"
      [ $s -eq 0 ] || rc=1
    done
  done
done
[ -n "${OUT:-}" ] && tar czf "$OUT/conformance-logs.tgz" -C "$logdir" .
exit $rc
