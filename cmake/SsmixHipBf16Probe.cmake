# Is <hip/hip_bf16.h> usable? Configure-time probe for libssmix-hip.
#
#   ROCm < 6.0  has no hip/hip_bf16.h                                         -> "missing"
#   ROCm 6.0    amd_hip_bf16.h defines functions without `inline`: two translation units that
#               include it fail to link ("multiple definition of ...")       -> "broken"
#   ROCm >= 6.1 fine                                                          -> "healthy"
#
# Logic: (1) compile a file that only asks __has_include(<hip/hip_bf16.h>): false -> missing;
# (2) compile two translation units that include the header and use the conversions the library
# relies on (__float2bfloat16, __bfloat162float) in host and device code, then link them into one
# program: any failure -> broken (the reason, e.g. "multiple definition", is reported); else healthy.
# Only "healthy" lets the library include the header (SSMIX_HIP_BF16_HEADER=1); otherwise it uses its
# own bf16 type, so the build never depends on patching system headers.
#
# As a function (from backends/hip/CMakeLists.txt):
#   ssmix_hip_bf16_probe(<out_var> COMPILER <hipcc> WORK_DIR <dir> [TARGET <gfx..>] [FLAGS <flag>...])
#   sets <out_var> to healthy|missing|broken and <out_var>_REASON to a one-line explanation.
# As a script (used by tests/hip_bf16):
#   cmake -DHIPCC=<hipcc> -DWORK_DIR=<dir> [-DGPU_TARGET=gfx90a] [-DINCLUDE_DIR=<dir put first on the
#         include path>] [-DFLAGS="<more flags>"] -P SsmixHipBf16Probe.cmake
#   prints "ssmix-hip-bf16: <result>: <reason>" and exits 0 whatever the result.

function(_ssmix_bf16_run out_rc out_log)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
  set(${out_rc} "${rc}" PARENT_SCOPE)
  set(${out_log} "${log}" PARENT_SCOPE)
endfunction()

function(_ssmix_bf16_first_error out log)
  string(REGEX MATCH "(multiple definition of [^\n]*|[^\n]*error[^\n]*)" m "${log}")
  string(STRIP "${m}" m)
  set(${out} "${m}" PARENT_SCOPE)
endfunction()

function(ssmix_hip_bf16_probe out)
  cmake_parse_arguments(arg "" "COMPILER;WORK_DIR;TARGET" "FLAGS" ${ARGN})
  if(NOT arg_TARGET)
    set(arg_TARGET gfx90a)
  endif()
  set(dir "${arg_WORK_DIR}")
  file(REMOVE_RECURSE "${dir}")
  file(MAKE_DIRECTORY "${dir}")
  set(hip ${arg_COMPILER} ${arg_FLAGS} -x hip --offload-arch=${arg_TARGET})

  # (1) present?
  file(WRITE "${dir}/has.hip"
    "#if !__has_include(<hip/hip_bf16.h>)\n#error ssmix-probe: hip/hip_bf16.h not found\n#endif\nint ssmix_probe_has;\n")
  _ssmix_bf16_run(rc log ${hip} --cuda-host-only -c "${dir}/has.hip" -o "${dir}/has.o")
  if(NOT rc EQUAL 0)
    if(log MATCHES "ssmix-probe: hip/hip_bf16.h not found")
      set(${out} missing PARENT_SCOPE)
      set(${out}_REASON "no hip/hip_bf16.h on the include path" PARENT_SCOPE)
    else()
      _ssmix_bf16_first_error(e "${log}")
      set(${out} broken PARENT_SCOPE)
      set(${out}_REASON "the compiler fails before the header is read: ${e}" PARENT_SCOPE)
    endif()
    return()
  endif()

  # (2) two translation units, one program.
  set(common "#include <hip/hip_runtime.h>\n#include <hip/hip_bf16.h>\n")
  file(WRITE "${dir}/a.hip" "${common}"
    "__global__ void ssmix_probe_a(float *p) { __hip_bfloat16 b = __float2bfloat16(p[threadIdx.x]); p[threadIdx.x] = __bfloat162float(b); }\n"
    "float ssmix_probe_b(float v);\n"
    "int main() { __hip_bfloat16 b = __float2bfloat16(1.5f); return __bfloat162float(b) + ssmix_probe_b(2.0f) == 3.5f ? 0 : 1; }\n")
  file(WRITE "${dir}/b.hip" "${common}"
    "__global__ void ssmix_probe_b_kernel(float *p) { p[threadIdx.x] = __bfloat162float(__float2bfloat16(p[threadIdx.x])); }\n"
    "float ssmix_probe_b(float v) { return __bfloat162float(__float2bfloat16(v)); }\n")
  foreach(tu a b)
    _ssmix_bf16_run(rc log ${hip} -fPIC -c "${dir}/${tu}.hip" -o "${dir}/${tu}.o")
    if(NOT rc EQUAL 0)
      _ssmix_bf16_first_error(e "${log}")
      set(${out} broken PARENT_SCOPE)
      set(${out}_REASON "a translation unit including hip/hip_bf16.h does not compile: ${e}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  _ssmix_bf16_run(rc log ${arg_COMPILER} ${arg_FLAGS} "${dir}/a.o" "${dir}/b.o" -o "${dir}/probe")
  if(NOT rc EQUAL 0)
    _ssmix_bf16_first_error(e "${log}")
    set(${out} broken PARENT_SCOPE)
    set(${out}_REASON "two translation units including hip/hip_bf16.h do not link: ${e}" PARENT_SCOPE)
    return()
  endif()
  set(${out} healthy PARENT_SCOPE)
  set(${out}_REASON "two translation units including hip/hip_bf16.h compile and link" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT HIPCC OR NOT WORK_DIR)
    message(FATAL_ERROR "usage: cmake -DHIPCC=<hipcc> -DWORK_DIR=<dir> [-DGPU_TARGET=gfx..] [-DINCLUDE_DIR=<dir>] "
                        "[-DFLAGS=...] -P SsmixHipBf16Probe.cmake")
  endif()
  set(flags "")
  if(INCLUDE_DIR)
    list(APPEND flags "-I${INCLUDE_DIR}")
  endif()
  if(FLAGS)
    separate_arguments(more UNIX_COMMAND "${FLAGS}")
    list(APPEND flags ${more})
  endif()
  if(NOT GPU_TARGET)
    set(GPU_TARGET gfx90a)
  endif()
  ssmix_hip_bf16_probe(result COMPILER "${HIPCC}" WORK_DIR "${WORK_DIR}" TARGET "${GPU_TARGET}" FLAGS ${flags})
  message("ssmix-hip-bf16: ${result}: ${result_REASON}")
endif()
