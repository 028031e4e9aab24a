# HIP toolchain detection and GPU target selection for libssmix-hip.
#
# Two ways to compile HIP are supported:
#  - CMake's HIP language (enable_language(HIP), clang++ as the compiler) on a full ROCm install,
#    which ships <rocm>/lib/cmake/hip-lang/hip-lang-config.cmake;
#  - hipcc driven by custom commands everywhere else, e.g. Debian's ROCm packages (hipcc,
#    libamdhip64-dev), whose hip-lang package lives in lib/<multiarch>/cmake where CMake's HIP
#    language does not look, so enable_language(HIP) fails there.
# check_language(HIP) tries the first in a separate CMake run, so a failure cannot stop this one.
#
# ssmix_hip_detect() sets in the caller's scope:
#   SSMIX_HIP_FOUND         TRUE when one of the two ways is usable
#   SSMIX_HIP_USE_LANGUAGE  TRUE: use CMake's HIP language; FALSE: hipcc custom commands
# and the cache entries SSMIX_HIPCC (hipcc), SSMIX_HIP_RUNTIME_LIBRARY (libamdhip64),
# SSMIX_HIP_INCLUDE_DIR (the directory holding hip/hip_runtime_api.h).
#
# ssmix_hip_select_targets(<out>) returns the GPU targets to build, first of:
#   CMAKE_HIP_ARCHITECTURES, GPU_TARGETS, AMDGPU_TARGETS (as given: an explicit request is honored
#   as is, and an unsupported target fails the build loudly), else SSMIX_HIP_DEFAULT_TARGETS filtered
#   to those the installed compiler can build (one trivial kernel compiled per target, once; the
#   result is cached per compiler).
set(SSMIX_HIP_DEFAULT_TARGETS "gfx90a;gfx942;gfx1030;gfx1100" CACHE STRING
    "GPU targets tried for libssmix-hip when none are requested (filtered to what hipcc supports)")
set(SSMIX_HIP_FLAGS "" CACHE STRING
    "Extra hipcc/clang flags for libssmix-hip and its probes, placed first (e.g. -I<dir> to put a directory first on the include path)")
set(SSMIX_HIP_LANGUAGE "AUTO" CACHE STRING "Compile HIP with CMake's HIP language: AUTO, ON or OFF (OFF: hipcc custom commands)")
set_property(CACHE SSMIX_HIP_LANGUAGE PROPERTY STRINGS AUTO ON OFF)
set(SSMIX_HIP_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

macro(ssmix_hip_detect)
  set(_rocm_hints ENV ROCM_PATH ENV HIP_PATH /opt/rocm)
  find_program(SSMIX_HIPCC hipcc HINTS ${_rocm_hints} PATH_SUFFIXES bin DOC "hipcc (HIP compiler driver)")
  find_library(SSMIX_HIP_RUNTIME_LIBRARY amdhip64 HINTS ${_rocm_hints} PATH_SUFFIXES lib lib64
               DOC "The HIP runtime library (libamdhip64)")
  find_path(SSMIX_HIP_INCLUDE_DIR hip/hip_runtime_api.h HINTS ${_rocm_hints} PATH_SUFFIXES include
            DOC "Directory holding hip/hip_runtime_api.h")
  set(SSMIX_HIP_USE_LANGUAGE FALSE)
  if(NOT SSMIX_HIP_LANGUAGE STREQUAL "OFF")
    include(CheckLanguage)
    check_language(HIP)
    if(CMAKE_HIP_COMPILER)
      set(SSMIX_HIP_USE_LANGUAGE TRUE)
    elseif(SSMIX_HIP_LANGUAGE STREQUAL "ON")
      message(FATAL_ERROR "SSMIX_HIP_LANGUAGE=ON but CMake's HIP language is not usable here (no clang++ with a "
                          "ROCm install providing lib/cmake/hip-lang); use SSMIX_HIP_LANGUAGE=AUTO or OFF")
    endif()
  endif()
  set(SSMIX_HIP_FOUND FALSE)
  if(SSMIX_HIP_RUNTIME_LIBRARY AND SSMIX_HIP_INCLUDE_DIR AND (SSMIX_HIP_USE_LANGUAGE OR SSMIX_HIPCC))
    set(SSMIX_HIP_FOUND TRUE)
  endif()
endmacro()

# Compile one trivial kernel for `target` with hipcc; TRUE in <out> if that works.
function(ssmix_hip_target_works out target)
  set(dir "${CMAKE_BINARY_DIR}/CMakeFiles/ssmix_hip_probe")
  file(MAKE_DIRECTORY "${dir}")
  set(src "${dir}/target.hip")
  if(NOT EXISTS "${src}")
    file(WRITE "${src}" "#include <hip/hip_runtime.h>\n"
      "extern \"C\" __global__ void ssmix_probe(float *p) { p[threadIdx.x + blockIdx.x * blockDim.x] *= 2.0f; }\n")
  endif()
  separate_arguments(flags UNIX_COMMAND "${SSMIX_HIP_FLAGS}")
  execute_process(COMMAND "${SSMIX_HIPCC}" ${flags} -x hip --offload-arch=${target} -c "${src}" -o "${dir}/target_${target}.o"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
  if(rc EQUAL 0)
    set(${out} TRUE PARENT_SCOPE)
  else()
    string(REGEX MATCH "error: [^\n]*" first_error "${log}")
    message(STATUS "ssmix: HIP target ${target} dropped: ${SSMIX_HIPCC} cannot build it (${first_error})")
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(ssmix_hip_select_targets out)
  foreach(var CMAKE_HIP_ARCHITECTURES GPU_TARGETS AMDGPU_TARGETS)
    if(DEFINED ${var} AND NOT "${${var}}" STREQUAL "")
      set(${out} "${${var}}" PARENT_SCOPE)
      set(SSMIX_HIP_TARGETS_FROM "${var}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  if(NOT SSMIX_HIPCC)
    message(STATUS "ssmix: no hipcc to probe HIP targets with; using ${SSMIX_HIP_DEFAULT_TARGETS} unfiltered")
    set(${out} "${SSMIX_HIP_DEFAULT_TARGETS}" PARENT_SCOPE)
    set(SSMIX_HIP_TARGETS_FROM "SSMIX_HIP_DEFAULT_TARGETS" PARENT_SCOPE)
    return()
  endif()
  set(key "${SSMIX_HIPCC}|${SSMIX_HIP_FLAGS}|${SSMIX_HIP_DEFAULT_TARGETS}")
  if(NOT key STREQUAL "${SSMIX_HIP_PROBED_KEY}")
    set(supported "")
    foreach(t IN LISTS SSMIX_HIP_DEFAULT_TARGETS)
      ssmix_hip_target_works(ok ${t})
      if(ok)
        list(APPEND supported ${t})
      endif()
    endforeach()
    set(SSMIX_HIP_PROBED_TARGETS "${supported}" CACHE INTERNAL "HIP default targets the compiler supports")
    set(SSMIX_HIP_PROBED_KEY "${key}" CACHE INTERNAL "")
  endif()
  set(${out} "${SSMIX_HIP_PROBED_TARGETS}" PARENT_SCOPE)
  set(SSMIX_HIP_TARGETS_FROM "SSMIX_HIP_DEFAULT_TARGETS (filtered)" PARENT_SCOPE)
endfunction()

# hipcc custom commands: compile each source in ARGN to an object for `targets`; <out> gets the
# objects (to be added to a library as sources). Dependencies on included headers are tracked
# through the compiler's depfile.
function(ssmix_hipcc_objects out)
  cmake_parse_arguments(arg "" "OUTPUT_DIR" "TARGETS;INCLUDE_DIRS;DEFINITIONS;SOURCES" ${ARGN})
  separate_arguments(user_flags UNIX_COMMAND "${SSMIX_HIP_FLAGS}")
  set(flags ${user_flags} -x hip -std=c++17 -O3 -fPIC -fvisibility=hidden)
  foreach(t IN LISTS arg_TARGETS)
    list(APPEND flags --offload-arch=${t})
  endforeach()
  foreach(d IN LISTS arg_INCLUDE_DIRS)
    list(APPEND flags -I${d})
  endforeach()
  foreach(d IN LISTS arg_DEFINITIONS)
    list(APPEND flags -D${d})
  endforeach()
  set(objs "")
  foreach(src IN LISTS arg_SOURCES)
    get_filename_component(name "${src}" NAME)
    set(obj "${arg_OUTPUT_DIR}/${name}.o")
    add_custom_command(OUTPUT "${obj}"
      COMMAND "${SSMIX_HIPCC}" ${flags} -MD -MF "${obj}.d" -MT "${obj}" -c "${src}" -o "${obj}"
      DEPENDS "${src}"
      DEPFILE "${obj}.d"
      COMMENT "Building HIP object ${name}.o (${arg_TARGETS})"
      VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND objs "${obj}")
  endforeach()
  set_source_files_properties(${objs} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set(${out} "${objs}" PARENT_SCOPE)
endfunction()
