# The CUDA backend: built when a CUDA toolkit (nvcc, cuBLAS, NCCL) is found,
# /usr/local/cuda by default; -DPP_ENABLE_CUDA=OFF leaves it out. Without a
# GPU it still builds: its tests skip with a message (label `gpu`).
if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX}
   AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
include(CheckLanguage)
check_language(CUDA)
set(pp_cuda_default OFF)
if(CMAKE_CUDA_COMPILER)
  set(pp_cuda_default ON)
endif()
option(PP_ENABLE_CUDA "Build the CUDA backend (needs the CUDA toolkit)"
       ${pp_cuda_default})
set(PP_CUDA_ARCHITECTURES "80;90" CACHE STRING
    "GPU architectures of the CUDA kernels")

if(PP_ENABLE_CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "PP_ENABLE_CUDA is ON but no CUDA compiler was found "
                        "(set CMAKE_CUDA_COMPILER or CUDACXX)")
  endif()
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES ${PP_CUDA_ARCHITECTURES})
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
  find_library(PP_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} REQUIRED)
  find_path(PP_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS}
            REQUIRED)
  message(STATUS "CUDA backend: ON (${CMAKE_CUDA_COMPILER}, "
                 "architectures ${PP_CUDA_ARCHITECTURES})")
else()
  message(STATUS "CUDA backend: OFF")
endif()
