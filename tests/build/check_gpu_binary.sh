#!/usr/bin/env bash
# Verify that a built GPU module holds device code for every requested architecture, and that every
# kernel of the kernel list (backends/gpu/*kernels.h, X(name, "file.cl") entries) is present for every
# I/O dtype in each of them.
#
#   check_gpu_binary.sh cuda <libssmix-cuda.so> <source dir> <archs> [cuobjdump]
#       archs: comma-separated code names as in ssmix_features(), e.g. sm_80,sm_90,compute_90
#       (sm_XX: a cubin must exist and define every kernel; compute_XX: PTX for XX must exist)
#   check_gpu_binary.sh hip <libssmix-hip.so> <source dir> <targets> [roc-obj-ls]
#       targets: comma-separated, e.g. gfx90a,gfx1030 (a code object per target defining every kernel)
#
# Exit status: 0 pass, 1 fail, 77 skip (the listing tool is not installed).
set -uo pipefail

kind=${1:?kind}; module=${2:?module}; srcdir=${3:?source dir}; archs=${4:?archs}; tool=${5:-}
fail=0
note() { printf '%s\n' "$*"; }
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }

[ -f "$module" ] || { bad "module $module does not exist"; exit 1; }
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module") # code object URIs must not be relative

# Expected kernel symbols: <name>_<dtype> for every X(name, "file.cl") of the kernel list.
mapfile -t names < <(grep -ohE 'X\([A-Za-z_][A-Za-z0-9_]*, *"[^"]+\.cl"\)' "$srcdir"/backends/gpu/*.h |
                     sed -E 's/X\(([A-Za-z0-9_]+),.*/\1/' | sort -u)
if [ "${#names[@]}" -eq 0 ]; then
  note "note: no kernel list found in $srcdir/backends/gpu; checking architectures only"
fi
expected=()
for n in "${names[@]}"; do for d in f32 f16 bf16; do expected+=("${n}_${d}"); done; done

# check_symbols <label> <file listing the symbols present, one per line>
check_symbols() {
  local label=$1 list=$2 missing=0 s
  for s in "${expected[@]}"; do
    if ! grep -qxF "$s" "$list"; then
      [ $missing -lt 10 ] && bad "$label: kernel $s missing"
      missing=$((missing + 1))
    fi
  done
  [ $missing -eq 0 ] && note "ok: $label: all ${#expected[@]} kernels ($(wc -l < "$list") symbols)"
  [ $missing -ge 10 ] && bad "$label: $missing kernels missing in all"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
IFS=, read -r -a want <<< "$archs"

case "$kind" in
cuda)
  if [ -z "$tool" ]; then tool=$(command -v cuobjdump || true); fi
  if [ -z "$tool" ] || [ ! -x "$tool" ]; then
    note "SKIP: cuobjdump not found (CUDA toolkit bin/, or: pip install nvidia-cuda-cuobjdump)"; exit 77
  fi
  note "using $tool"
  "$tool" --list-elf "$module" > "$tmp/elf" 2>&1 || { cat "$tmp/elf"; bad "cuobjdump --list-elf failed"; exit 1; }
  "$tool" --list-ptx "$module" > "$tmp/ptx" 2>&1 || { cat "$tmp/ptx"; bad "cuobjdump --list-ptx failed"; exit 1; }
  "$tool" -symbols "$module" > "$tmp/sym" 2>&1 || { bad "cuobjdump -symbols failed"; exit 1; }
  note "cubins: $(grep -oE 'sm_[0-9]+[a-z]?\.cubin' "$tmp/elf" | sed 's/\.cubin//' | sort | uniq -c | tr '\n' ' ')"
  note "ptx:    $(grep -oE 'sm_[0-9]+[a-z]?\.ptx' "$tmp/ptx" | sed 's/\.ptx//; s/sm_/compute_/' | sort | uniq -c | tr '\n' ' ')"
  for a in "${want[@]}"; do
    case "$a" in
    sm_*)
      grep -qE "\.${a}\.cubin\$" "$tmp/elf" || { bad "no cubin for $a"; continue; }
      # ENTRY symbols of the cubins of this arch (blocks "Fatbin elf code: ... arch = sm_XX ... symbols").
      awk -v arch="$a" '
        /^Fatbin (elf|ptx) code:/ { elf = ($2 == "elf"); cur = ""; next }
        /^arch = / { cur = $3; next }
        elf && cur == arch && $4 == "ENTRY" { print $NF }' "$tmp/sym" | sort -u > "$tmp/entries_$a"
      check_symbols "$a cubin" "$tmp/entries_$a" ;;
    compute_*)
      grep -qE "\.sm_${a#compute_}\.ptx\$" "$tmp/ptx" && note "ok: PTX for $a" || bad "no PTX for $a"
      # The tensor-core tile product (backends/cuda/ssmix_cuda_mma.h) must be compiled for sm_80+.
      v=${a#compute_}; v=${v%%[a-z]*}
      if [ "${#expected[@]}" -gt 0 ] && [ "$v" -ge 80 ]; then
        n=$("$tool" -ptx "$module" 2>/dev/null | grep -c 'mma\.sync\.aligned' || true)
        [ "$n" -gt 0 ] && note "ok: $a PTX uses tensor cores ($n mma.sync)" || bad "$a PTX has no mma.sync (tensor-core path missing)"
      fi ;;
    *) note "note: $a is not a concrete architecture; not checked" ;;
    esac
  done
  ;;
hip)
  if [ -z "$tool" ]; then tool=$(command -v roc-obj-ls || true); fi
  if [ -z "$tool" ] || [ ! -x "$tool" ]; then
    note "SKIP: roc-obj-ls not found (ROCm's roc-obj-ls; Debian package hipcc)"; exit 77
  fi
  extract="$(dirname "$tool")/roc-obj-extract"
  command -v "$extract" > /dev/null || extract=$(command -v roc-obj-extract || true)
  readelf_bin=$(command -v readelf || command -v llvm-readelf || true)
  note "using $tool"
  "$tool" "$module" > "$tmp/ls" 2>&1 || { cat "$tmp/ls"; bad "roc-obj-ls failed"; exit 1; }
  note "code objects: $(awk '$2 ~ /amdgcn/ {sub(/.*--/, "", $2); print $2}' "$tmp/ls" | sort | uniq -c | tr '\n' ' ')"
  for t in "${want[@]}"; do
    # Target IDs may carry features (gfx90a:xnack-): match the processor name.
    awk -v t="$t" '$2 ~ /amdgcn/ { id = $2; sub(/.*--/, "", id); sub(/:.*/, "", id); if (id == t) print $3 }' \
      "$tmp/ls" > "$tmp/uris_$t"
    if [ ! -s "$tmp/uris_$t" ]; then bad "no code object for $t"; continue; fi
    if [ -z "$extract" ] || [ -z "$readelf_bin" ]; then
      note "ok: code object for $t (roc-obj-extract or readelf missing: kernels not checked)"; continue
    fi
    mkdir -p "$tmp/co_$t"
    (cd "$tmp/co_$t" && "$extract" -o "$tmp/co_$t" < "$tmp/uris_$t") > /dev/null 2>&1 ||
      { bad "roc-obj-extract failed for $t"; continue; }
    for co in "$tmp/co_$t"/*; do "$readelf_bin" -sW "$co" 2>/dev/null; done |
      awk '{ for (i = 1; i <= NF; i++) if ($i ~ /\.kd$/) { s = $i; sub(/\.kd$/, "", s); print s } }' |
      sort -u > "$tmp/kd_$t"
    check_symbols "$t code objects" "$tmp/kd_$t"
    # CDNA targets carry the MFMA tile product (backends/hip/ssmix_hip_mfma.h).
    objdump_bin=$(command -v llvm-objdump || ls /usr/bin/llvm-objdump-* 2>/dev/null | sort -V | tail -1 || true)
    case "$t" in
    gfx908|gfx90a|gfx94*)
      if [ -n "$objdump_bin" ] && [ "${#expected[@]}" -gt 0 ]; then
        n=$(for co in "$tmp/co_$t"/*; do "$objdump_bin" -d "$co" 2>/dev/null; done | grep -c 'v_mfma' || true)
        [ "$n" -gt 0 ] && note "ok: $t code uses matrix cores ($n v_mfma)" || bad "$t code has no v_mfma (MFMA path missing)"
      fi ;;
    esac
  done
  ;;
*) bad "unknown kind $kind"; exit 1 ;;
esac

[ $fail -eq 0 ] && note "PASS: $kind module $(basename "$module"): $archs" || note "FAILED: $kind module $(basename "$module")"
exit $fail
