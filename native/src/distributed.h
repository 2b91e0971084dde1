// The collectives' view of the engine's tensor table (addon.cc owns it): read a tensor by its
// handle, and keep a new tensor under a new handle.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <functional>

namespace vt {

struct TensorAccess {
  std::function<const at::Tensor&(const Napi::Value&)> get;
  std::function<Napi::Value(Napi::Env, at::Tensor)> make;
};

// Adds `distributed` (whether collectives were built) and, when built, the dist* functions.
void RegisterDistributed(Napi::Env env, Napi::Object exports, const TensorAccess& tensors);

}  // namespace vt
