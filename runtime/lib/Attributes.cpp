//===- Attributes.cpp - Typed attribute lookups of kernel factories -------===//
//
// `Attributes`' typed getters and `KernelSpec::error`, the two places that
// word the errors kernel factories return.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Kernel.h"

using namespace pp::rt;

/// The name of the type an attribute value holds, for messages.
static const char *kindName(const AttrValue &value) {
  switch (value.index()) {
  case 0:
    return "an integer";
  case 1:
    return "a float";
  case 2:
    return "a string";
  case 3:
    return "an integer list";
  case 4:
    return "a float list";
  default:
    return "a tensor";
  }
}

/// "CONTEXT: attribute 'NAME' MESSAGE".
static Status attrError(const std::string &context, const std::string &name,
                        const std::string &message) {
  std::string prefix = context.empty() ? "" : context + ": ";
  return Status::error(prefix + "attribute '" + name + "' " + message);
}

/// Looks `name` up as a `T`: the default when it is missing and one is
/// given, an error when it is missing without a default or has another type.
template <typename T>
static Status lookup(const std::map<std::string, AttrValue> &values,
                     const std::string &context, const std::string &name,
                     const char *expected, T &out,
                     const std::optional<T> &dflt) {
  auto it = values.find(name);
  if (it == values.end()) {
    if (!dflt)
      return attrError(context, name, "is missing");
    out = *dflt;
    return Status::ok();
  }
  if (const T *value = std::get_if<T>(&it->second)) {
    out = *value;
    return Status::ok();
  }
  return attrError(context, name,
                   std::string("is ") + kindName(it->second) + ", expected " +
                       expected);
}

Status Attributes::getInt(const std::string &name, int64_t &out,
                          std::optional<int64_t> dflt) const {
  return lookup(values_, context_, name, "an integer", out, dflt);
}

Status Attributes::getFloat(const std::string &name, double &out,
                            std::optional<double> dflt) const {
  auto it = values_.find(name);
  if (it != values_.end())
    if (const int64_t *value = std::get_if<int64_t>(&it->second)) {
      out = double(*value);
      return Status::ok();
    }
  return lookup(values_, context_, name, "a float", out, dflt);
}

Status Attributes::getString(const std::string &name, std::string &out,
                             std::optional<std::string> dflt) const {
  return lookup(values_, context_, name, "a string", out, dflt);
}

Status Attributes::getInts(const std::string &name, std::vector<int64_t> &out,
                           std::optional<std::vector<int64_t>> dflt) const {
  return lookup(values_, context_, name, "an integer list", out, dflt);
}

Status Attributes::getTensor(const std::string &name, Tensor &out) const {
  return lookup(values_, context_, name, "a tensor", out,
                std::optional<Tensor>());
}

Status KernelSpec::error(const std::string &message) const {
  std::string where = location.empty() ? op : op + " at " + location;
  return Status::error(where + ": " + message);
}
