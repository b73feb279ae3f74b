//===- Dump.cpp - pp-run --dump: loss, gradients, outputs -----------------===//

#include "Dump.h"

#include "pp/Runtime/DataLoader.h"
#include "pp/Runtime/TensorIO.h"

#include <filesystem>
#include <set>
#include <vector>

using namespace pp;
using namespace pp::run;
using rt::Status;
namespace fs = std::filesystem;

/// Creates `dir` (and its parents) and removes the .pb files in it.
static Status prepareDirectory(const std::string &dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::error(dir +
                         ": cannot create the directory: " + ec.message());
  for (const fs::directory_entry &entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".pb" && entry.is_regular_file())
      fs::remove(entry.path(), ec);
  if (ec)
    return Status::error(dir + ": cannot clear old .pb files: " + ec.message());
  return Status::ok();
}

/// Writes `tensors` (name, tensor) into `dir`, one file-safe file each.
static Status
writeNamed(const std::string &dir,
           const std::vector<std::pair<std::string, rt::Tensor>> &tensors) {
  if (Status s = prepareDirectory(dir))
    return s;
  std::set<std::string> used;
  for (const auto &[name, tensor] : tensors) {
    std::string base = rt::fileSafeName(name), file = base;
    for (int n = 2; !used.insert(file).second; ++n)
      file = base + "_" + std::to_string(n);
    if (Status s = rt::writeTensorFile(dir + "/" + file + ".pb", tensor, name))
      return s;
  }
  return Status::ok();
}

Status pp::run::writeTrainingDump(
    const std::string &dir, rt::DType lossType, double loss,
    const std::vector<std::pair<std::string, rt::Tensor>> &gradients) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::error(dir +
                         ": cannot create the directory: " + ec.message());
  rt::Tensor lossTensor = rt::Tensor::empty({lossType, {}});
  if (lossType == rt::DType::F64)
    *lossTensor.data<double>() = loss;
  else
    *lossTensor.data<float>() = float(loss);
  if (Status s = rt::writeTensorFile(dir + "/loss.pb", lossTensor, "loss"))
    return s;
  return writeNamed(dir + "/grad", gradients);
}

Status
pp::run::writeOutputsDump(const std::string &dir,
                          const std::map<std::string, rt::Tensor> &outputs) {
  return writeNamed(dir + "/outputs",
                    std::vector<std::pair<std::string, rt::Tensor>>(
                        outputs.begin(), outputs.end()));
}
