#!/usr/bin/env bash
# Nsight Compute reports of the slowest kernels of S1 (bf16), one launch each, on a build carried to
# the device: usage: bash bench/gpu/ncu_profile.sh <build dir with bin/ lib/> [kernel-regex ...]
# Default kernels: ssd_chunk_scan (SSD forward), ssd_bwd_dC (SSD backward), qsmix_chunk_output
# (Hydra forward). Reports (text) go to $OUT (or ./gpu-out): ncu-<kernel>.txt.
set -u
B=$(cd "$1" && pwd)
shift
out=${OUT:-$PWD/gpu-out}
mkdir -p "$out"
export LD_LIBRARY_PATH=$B/lib
S1=8,4096,32,64,128,1,256
sections="--section SpeedOfLight --section LaunchStats --section Occupancy --section WarpStateStats \
  --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section SchedulerStats --section InstructionStats"
metrics="--metrics l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum,smsp__inst_executed_pipe_tensor.sum,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"
kernels=${*:-"ssd_chunk_scan ssd_bwd_dC qsmix_chunk_output"}
for k in $kernels; do
  case $k in
    ssd_bwd*) args="--op ssd --backward" ;;
    qsmix_bwd*) args="--op qsmix --backward" ;;
    qsmix*) args="--op qsmix" ;;
    *) args="--op ssd" ;;
  esac
  # the bench's first call runs in a fresh context; its launch of the kernel is the one profiled
  timeout 240 ncu --clock-control none -k "regex:^${k}_" -c 1 $sections $metrics \
    "$B/bin/ssmix" bench --backend cuda $args --shape $S1 --dtype bf16 --warmup 0 --iters 1 >"$out/ncu-$k.txt" 2>&1
  echo "== ncu $k (exit $?)"
  grep -E "Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|Memory Throughput|Stall|bank_conflicts|wavefronts|pipe_tensor|Issued Ipc|Block Limit" "$out/ncu-$k.txt" | head -30
done
