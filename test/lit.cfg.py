# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "pp"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtext", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "unittests", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pp_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%pp_src_root", config.pp_src_root))
config.substitutions.append(("%examples", os.path.join(config.pp_src_root, "examples")))
config.substitutions.append(("%pp_obj_root", config.pp_obj_root))
# CMake, as the build was configured with: Integration/ installs pp and
# builds a downstream project against it.
config.substitutions.append(("%cmake_generator", '"%s"' % config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
config.substitutions.append(("%llvm_include_dirs", config.llvm_include_dirs))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.pp_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["pp-opt", "pp-sched", "pp-run", "pp-load-check"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.pp_tools_dir, append_path=True)

# Tests that build binary ONNX models with onnx.helper at test time.
if subprocess.call(["/usr/bin/python3", "-c", "import onnx"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("python-onnx")
config.substitutions.append(("%onnx_python", "/usr/bin/python3"))

# PyTorch (Debian's python3-torch) re-exports the examples at other opsets.
if "python-onnx" in config.available_features:
    import subprocess as _subprocess
    if _subprocess.call(["/usr/bin/python3", "-c", "import torch"],
                        stdout=_subprocess.DEVNULL,
                        stderr=_subprocess.DEVNULL) == 0:
        config.available_features.add("python-torch")

# The conformance set of real architectures: torchvision's from Debian's
# python3-torchvision, Hugging Face's from the transformers that
# scripts/install-deps.sh installs into build/conformance-venv.
if subprocess.call(["/usr/bin/python3", "-c", "import torchvision"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("python-torchvision")
_conformance_python = os.path.join(config.pp_obj_root, "conformance-venv",
                                   "bin", "python")
if os.path.exists(_conformance_python) and subprocess.call(
        [_conformance_python, "-c", "import transformers"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("python-transformers")
config.substitutions.append(("%conformance_python", _conformance_python))

# The CPU's vector units (Linux): pp-run's OpenBLAS kernel check.
try:
    with open("/proc/cpuinfo") as _cpuinfo:
        _flags = set(next((l.split(":", 1)[1].split() for l in _cpuinfo
                           if l.startswith("flags")), []))
except OSError:
    _flags = set()
if {"avx2", "fma"} <= _flags:
    config.available_features.add("avx2")
    # An OpenBLAS older than the CPU falls back to kernels without AVX2, and
    # pp-run warns about it on stderr (blas-check.test, which sets the
    # kernels it tests). The other tests check pp-run's stderr: there they
    # run with the kernels the warning advises, as a user who heeds it.
    import ctypes
    import ctypes.util
    try:
        _blas = ctypes.CDLL(ctypes.util.find_library("openblas"))
        _blas.openblas_get_corename.restype = ctypes.c_char_p
        _core = _blas.openblas_get_corename().decode().lower()
    except (OSError, TypeError, AttributeError):
        _core = ""
    _avx2_cores = {"haswell", "skylakex", "cooperlake", "sapphirerapids",
                   "zen", "excavator"}
    if (_core and _core not in _avx2_cores
            and "OPENBLAS_CORETYPE" not in os.environ):
        _avx512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= _flags
        config.environment["OPENBLAS_CORETYPE"] = (
            "SkylakeX" if _avx512 else "Haswell")

# Exported programs are decoded with protoc: %decode-program < stage0.pb
# prints the pp.program.Program as text.
import shutil
if shutil.which("protoc"):
    config.available_features.add("protoc")
_proto_dir = os.path.join(config.pp_src_root, "runtime", "proto")
config.substitutions.append(
    ("%decode-program",
     "protoc --decode=pp.program.Program -I %s %s"
     % (_proto_dir, os.path.join(_proto_dir, "program.proto"))))

# The CUDA backend: `cuda-built` when this build has it (PP_ENABLE_CUDA),
# `gpu` when a CUDA GPU is present. GPU tests REQUIRE gpu and are reported
# as unsupported elsewhere (CI has no GPU); the no-GPU path is tested there.
if config.pp_cuda_built.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("cuda-built")
try:
    _smi = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                          text=True, timeout=30)
    if _smi.returncode == 0 and "GPU" in _smi.stdout:
        config.available_features.add("gpu")
except (OSError, subprocess.SubprocessError):
    pass

# Features that scripts/install-deps.sh installs: a test that needs one must
# not skip in silence on a machine set up by the scripts. Where one is
# missing the run stops here and names the package (a developer can set
# PP_ALLOW_MISSING_FEATURES=1 to run the rest; the skipped tests are then
# reported as UNSUPPORTED). Only `avx2` describes the machine rather than
# what is installed, and stays optional.
_installed_features = {
    "python-onnx": "python3-onnx",
    "python-torch": "python3-torch",
    "protoc": "protobuf-compiler",
    "python-torchvision": "python3-torchvision",
    "python-transformers": "transformers (pip, in build/conformance-venv)",
}
_missing = sorted(package for feature, package in _installed_features.items()
                  if feature not in config.available_features)
if _missing and os.environ.get("PP_ALLOW_MISSING_FEATURES") != "1":
    lit_config.fatal(
        "tests need %s, which scripts/install-deps.sh installs (Debian "
        "packages); run it, or set PP_ALLOW_MISSING_FEATURES=1 to skip the "
        "tests that need them" % ", ".join(_missing))
