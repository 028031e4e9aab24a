# ctest: the <hip/hip_bf16.h> probe (cmake/SsmixHipBf16Probe.cmake) classifies three fixture include
# directories correctly when each is put first on the include path:
#   fixtures/healthy  inline functions (as ROCm >= 6.1)                      -> healthy
#   fixtures/broken   non-inline functions in the header (the ROCm 6.0 defect) -> broken
#   fixtures/missing  no header (as ROCm < 6.0)                                -> missing
# The "missing" case needs a system without hip/hip_bf16.h (ROCm < 6.0): elsewhere the system header
# is found behind the fixture directory, and that case is reported as not applicable.
#
#   cmake -DHIPCC=<hipcc> -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> [-DGPU_TARGET=gfx90a]
#         [-DFLAGS="..."] -P test_probe.cmake
foreach(v HIPCC SOURCE_DIR WORK_DIR)
  if(NOT ${v})
    message(FATAL_ERROR "test_probe.cmake: ${v} is not set")
  endif()
endforeach()
if(NOT GPU_TARGET)
  set(GPU_TARGET gfx90a)
endif()
include("${SOURCE_DIR}/cmake/SsmixHipBf16Probe.cmake")
set(fixtures "${SOURCE_DIR}/tests/hip_bf16/fixtures")
separate_arguments(extra UNIX_COMMAND "${FLAGS}")

set(failures 0)
ssmix_hip_bf16_probe(system COMPILER "${HIPCC}" WORK_DIR "${WORK_DIR}/system" TARGET ${GPU_TARGET} FLAGS ${extra})
message(STATUS "system include path alone: ${system} (${system_REASON})")

foreach(case healthy broken missing)
  if(case STREQUAL "missing" AND NOT system STREQUAL "missing")
    message(STATUS "missing: not applicable here (the system has hip/hip_bf16.h: ${system})")
    continue()
  endif()
  ssmix_hip_bf16_probe(got COMPILER "${HIPCC}" WORK_DIR "${WORK_DIR}/${case}" TARGET ${GPU_TARGET}
                       FLAGS "-I${fixtures}/${case}" ${extra})
  if(case STREQUAL "broken" AND got STREQUAL "broken" AND NOT got_REASON MATCHES "multiple definition")
    # It must fail for the reason the fixture reproduces, not for any other.
    message(STATUS "FAIL: fixtures/broken -> broken, but not by a multiple definition: ${got_REASON}")
    math(EXPR failures "${failures} + 1")
  elseif(got STREQUAL case)
    message(STATUS "ok: fixtures/${case} -> ${got} (${got_REASON})")
  else()
    message(STATUS "FAIL: fixtures/${case} -> ${got}, expected ${case} (${got_REASON})")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures} probe case(s) failed")
endif()
message(STATUS "probe classifies every applicable fixture correctly")
