#include "libvirt_calls.h"

#include <cerrno>
#include <mutex>

namespace augur::actuate::detail {
namespace {

// Connection and RPC trouble is worth a retry (the connection is reopened); a missing
// domain, a rejected value or a missing driver call is not.
int classify(const virError* e) {
  if (e == nullptr) return EIO;
  if (e->domain == VIR_FROM_RPC || e->domain == VIR_FROM_REMOTE) return ENOTCONN;
  switch (e->code) {
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_INVALID_CONN:
    case VIR_ERR_RPC: return ENOTCONN;
    case VIR_ERR_OPERATION_TIMEOUT:
    case VIR_ERR_AGENT_UNRESPONSIVE: return ETIMEDOUT;
    case VIR_ERR_NO_DOMAIN: return ENOENT;
    case VIR_ERR_INVALID_ARG: return EINVAL;
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_ARGUMENT_UNSUPPORTED: return EOPNOTSUPP;
    default: return EIO;
  }
}

}  // namespace

std::string last_error_message() {
  const char* msg = virGetLastErrorMessage();
  return msg != nullptr ? msg : "unknown libvirt error";
}

Error libvirt_error(const std::string& call, const std::string& where) {
  return Error{call + " failed: " + last_error_message(), where, classify(virGetLastError())};
}

bool last_error_is_no_support() {
  const virError* e = virGetLastError();
  return e != nullptr && e->code == VIR_ERR_NO_SUPPORT;
}

void silence_libvirt_errors() {
  static std::once_flag once;
  std::call_once(once, [] { virSetErrorFunc(nullptr, [](void*, virErrorPtr) {}); });
}

std::optional<long long> ParamsIn::get_llong(const char* name) {
  long long v = 0;
  if (virTypedParamsGetLLong(params_.data(), count_, name, &v) == 1) return v;
  return std::nullopt;
}

std::optional<unsigned long long> ParamsIn::get_ullong(const char* name) {
  unsigned long long v = 0;
  if (virTypedParamsGetULLong(params_.data(), count_, name, &v) == 1) return v;
  return std::nullopt;
}

std::optional<unsigned> ParamsIn::get_uint(const char* name) {
  unsigned v = 0;
  if (virTypedParamsGetUInt(params_.data(), count_, name, &v) == 1) return v;
  return std::nullopt;
}

std::string where_of(const Instance& inst) {
  return inst.name.empty() ? inst.id : inst.name + " (" + inst.id + ")";
}

std::optional<std::string> ParamsIn::get_string(const char* name) {
  const char* v = nullptr;
  if (virTypedParamsGetString(params_.data(), count_, name, &v) == 1 && v != nullptr) {
    return std::string(v);
  }
  return std::nullopt;
}

}  // namespace augur::actuate::detail
