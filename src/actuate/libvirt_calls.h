#pragma once
// Thin, owning wrappers over the libvirt calls the libvirt backend makes (internal to
// actuate): domain handles, typed-parameter arrays, and libvirt errors as augur Errors.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::actuate::detail {

struct DomainFree {
  void operator()(virDomain* d) const { virDomainFree(d); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainFree>;

// "name (uuid)", or the uuid alone: how errors name a domain.
std::string where_of(const Instance& inst);

// The calling thread's last libvirt error as an Error whose errno classifies it (see
// libvirt_backend.h). `call` names the failed API, `where` the domain.
Error libvirt_error(const std::string& call, const std::string& where);
// virGetLastErrorMessage() as a string.
std::string last_error_message();
// Whether the last libvirt error says the driver lacks the call altogether.
bool last_error_is_no_support();

// libvirt prints every error to stderr unless an error function is set; libraries do not
// print. Process-wide; errors stay available per thread through virGetLastError.
void silence_libvirt_errors();

// Parameters filled by a libvirt getter into a caller-owned array; cleared (strings freed)
// on destruction.
class ParamsIn {
 public:
  explicit ParamsIn(int count) : params_(static_cast<std::size_t>(count > 0 ? count : 0)) {}
  ~ParamsIn() {
    if (count_ > 0) virTypedParamsClear(params_.data(), count_);
  }
  ParamsIn(const ParamsIn&) = delete;
  ParamsIn& operator=(const ParamsIn&) = delete;

  virTypedParameterPtr data() { return params_.data(); }
  // In: the array's size; out: how many the getter filled.
  int* count() {
    count_ = static_cast<int>(params_.size());
    return &count_;
  }
  [[nodiscard]] std::optional<long long> get_llong(const char* name);
  [[nodiscard]] std::optional<unsigned long long> get_ullong(const char* name);
  [[nodiscard]] std::optional<unsigned> get_uint(const char* name);
  [[nodiscard]] std::optional<std::string> get_string(const char* name);

 private:
  std::vector<virTypedParameter> params_;
  int count_ = 0;
};

// Parameters built for a libvirt setter; freed with virTypedParamsFree on destruction.
class ParamsOut {
 public:
  ParamsOut() = default;
  ~ParamsOut() { virTypedParamsFree(params_, count_); }
  ParamsOut(const ParamsOut&) = delete;
  ParamsOut& operator=(const ParamsOut&) = delete;

  // False when libvirt could not allocate (its error is set).
  bool add_llong(const char* name, long long value) {
    return virTypedParamsAddLLong(&params_, &count_, &capacity_, name, value) == 0;
  }
  bool add_ullong(const char* name, unsigned long long value) {
    return virTypedParamsAddULLong(&params_, &count_, &capacity_, name, value) == 0;
  }
  bool add_uint(const char* name, unsigned value) {
    return virTypedParamsAddUInt(&params_, &count_, &capacity_, name, value) == 0;
  }
  bool add_string(const char* name, const std::string& value) {
    return virTypedParamsAddString(&params_, &count_, &capacity_, name, value.c_str()) == 0;
  }
  [[nodiscard]] virTypedParameterPtr data() const { return params_; }
  [[nodiscard]] int count() const { return count_; }

 private:
  virTypedParameterPtr params_ = nullptr;
  int count_ = 0;
  int capacity_ = 0;
};

}  // namespace augur::actuate::detail
