# ctest: libssmix-hip configures, builds and links with a fixture hip/hip_bf16.h first on the include
# path, and the configure step classified the header as expected.
#   CASE=broken   the ROCm 6.0 defect (non-inline functions): the probe must say "broken", the library
#                 must not include the header, and the module must still build and link.
#   CASE=healthy  a well-formed header: the probe must say "healthy", the library includes it in every
#                 kernel translation unit (SSMIX_HIP_BF16_HEADER=1), and the module links.
#
#   cmake -DCASE=broken|healthy -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch build dir> -DGPU_TARGET=gfx90a
#         [-DHIP_LANGUAGE=AUTO|ON|OFF] [-DGENERATOR=<generator>] [-DTOOLCHAIN_FILE=<file>] -P test_build.cmake
foreach(v CASE SOURCE_DIR WORK_DIR GPU_TARGET)
  if(NOT ${v})
    message(FATAL_ERROR "test_build.cmake: ${v} is not set")
  endif()
endforeach()
if(NOT HIP_LANGUAGE)
  set(HIP_LANGUAGE AUTO)
endif()
set(fixture "${SOURCE_DIR}/tests/hip_bf16/fixtures/${CASE}")
set(gen "")
if(GENERATOR)
  set(gen -G "${GENERATOR}")
endif()
if(TOOLCHAIN_FILE)
  list(APPEND gen "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN_FILE}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" ${gen}
          -DSSMIX_HIP=ON -DSSMIX_CUDA=OFF -DSSMIX_OPENCL=OFF -DBUILD_TESTING=OFF
          "-DGPU_TARGETS=${GPU_TARGET}" "-DSSMIX_HIP_FLAGS=-I${fixture}" "-DSSMIX_HIP_LANGUAGE=${HIP_LANGUAGE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message("${out}")
  message(FATAL_ERROR "FAIL: configure with fixtures/${CASE} first on the include path failed")
endif()
string(REGEX MATCH "ssmix: hip/hip_bf16.h is [^\n]*" line "${out}")
message(STATUS "configure: ${line}")

file(STRINGS "${WORK_DIR}/CMakeCache.txt" bf16 REGEX "^SSMIX_HIP_BF16:")
string(REGEX REPLACE "^[^=]*=" "" bf16 "${bf16}")
if(NOT bf16 STREQUAL CASE)
  message(FATAL_ERROR "FAIL: the probe classified fixtures/${CASE} as '${bf16}'")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}" --target ssmix-hip
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message("${out}")
  message(FATAL_ERROR "FAIL: libssmix-hip did not build/link with fixtures/${CASE} (probe: ${bf16})")
endif()
file(GLOB module "${WORK_DIR}/lib/ssmix/libssmix-hip.so")
if(NOT module)
  message(FATAL_ERROR "FAIL: no libssmix-hip.so in ${WORK_DIR}/lib/ssmix")
endif()

# Which header did the kernels actually see? The generated dependency files say.
file(GLOB_RECURSE deps "${WORK_DIR}/backends/hip/*.d")
set(saw_fixture FALSE)
foreach(d IN LISTS deps)
  file(STRINGS "${d}" hits REGEX "fixtures/${CASE}/hip/hip_bf16.h")
  if(hits)
    set(saw_fixture TRUE)
  endif()
endforeach()
if(deps)
  if(CASE STREQUAL "healthy" AND NOT saw_fixture)
    message(FATAL_ERROR "FAIL: the healthy fixture header was not included by the kernels")
  elseif(CASE STREQUAL "broken" AND saw_fixture)
    message(FATAL_ERROR "FAIL: the broken fixture header was included by the kernels")
  endif()
  message(STATUS "kernels include the fixture header: ${saw_fixture}")
endif()
message(STATUS "PASS: fixtures/${CASE}: probe '${bf16}', libssmix-hip built and linked (${module})")
