# Helpers shared by the CUDA and HIP backend modules.

# Link options of a dlopen'ed GPU module:
# - export only ssmix_backend_entry (version script): a statically linked cudart, or any helper, can
#   neither clash with nor be interposed by another copy of the runtime in the process (PyTorch's);
# - --exclude-libs,ALL: symbols of static archives stay local even without the script;
# - -z nodelete: dlclose() keeps the module mapped (vendor runtimes register exit-time handlers and
#   threads that must not outlive their code);
# - --no-undefined: an unresolved symbol fails the build, not the dlopen on a user's machine.
function(ssmix_gpu_module_link_options target)
  set(map "${PROJECT_SOURCE_DIR}/cmake/ssmix_module.map")
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${map}" "LINKER:--exclude-libs,ALL" "LINKER:-z,nodelete" "LINKER:--no-undefined")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${map}")
endfunction()

# CMAKE_CUDA_ARCHITECTURES entries -> code names: "80-real" -> sm_80, "90-virtual" -> compute_90,
# "90" -> sm_90;compute_90, "90a" -> sm_90a;compute_90a. Special values (all, all-major, native)
# are kept as they are.
function(ssmix_cuda_arch_names out archs)
  set(names "")
  foreach(a IN LISTS archs)
    if(a MATCHES "^([0-9]+[a-z]?)-real$")
      list(APPEND names "sm_${CMAKE_MATCH_1}")
    elseif(a MATCHES "^([0-9]+[a-z]?)-virtual$")
      list(APPEND names "compute_${CMAKE_MATCH_1}")
    elseif(a MATCHES "^([0-9]+[a-z]?)$")
      list(APPEND names "sm_${CMAKE_MATCH_1}" "compute_${CMAKE_MATCH_1}")
    else()
      list(APPEND names "${a}")
    endif()
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# The backend-neutral GPU layer compiled into every GPU module: backends/gpu/*.c (kernel name table,
# pipelines). The glob is CONFIGURE_DEPENDS, so a new pipeline file re-runs the configure step.
# out_definitions is kept for the callers' sake and is empty.
function(ssmix_gpu_common_sources out_sources out_definitions)
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/backends/gpu/*.c")
  set(${out_sources} "${sources}" PARENT_SCOPE)
  set(${out_definitions} "" PARENT_SCOPE)
endfunction()
