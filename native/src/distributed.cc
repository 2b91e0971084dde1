// Data-parallel collectives for the torch engine: PyTorch's own c10d process group (a TCPStore
// for the rendezvous, ProcessGroupGloo for all-reduce / broadcast / barrier), over the engine's
// tensors by handle, so gradients and weights never pass through JS. One group per process (the
// worker processes of one run), set up by distInit and torn down by distDestroy. Built only when
// Gloo's headers are present (libgloo-dev); otherwise `distributed` is false and JS says so.
#include "distributed.h"

#if VT_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace vt {

#if VT_DISTRIBUTED
namespace {

struct Group {
  int rank = 0;
  int size = 1;
  std::string where;  // host:port, for messages
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

std::unique_ptr<Group> group;
TensorAccess access;

Group& current(const Napi::Env& env) {
  if (!group) throw Napi::Error::New(env, "torch: no process group (call distInit first)");
  return *group;
}

// c10d's errors carry a C++ backtrace; keep the first line, and name the rendezvous.
std::string brief(const std::string& what) {
  auto end = what.find('\n');
  return end == std::string::npos ? what : what.substr(0, end);
}

template <typename F>
Napi::Value guardedDist(const Napi::CallbackInfo& info, F&& work) {
  try {
    return work();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), "distributed: " + brief(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), "distributed: " + brief(e.what()));
  }
}

std::shared_ptr<::gloo::transport::Device> device(const std::string& masterAddr,
                                                  const std::string& iface) {
  if (!iface.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(iface);
  // All ranks on this machine: talk over loopback, whatever the host name resolves to.
  if (masterAddr == "127.0.0.1" || masterAddr == "localhost")
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// distInit({ rank, size, masterAddr, masterPort, timeoutMs, iface }) — blocks until every rank
// has joined (or the timeout passes). Rank 0 hosts the store.
Napi::Value Init(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    if (group) throw Napi::Error::New(info.Env(), "distributed: a process group already exists");
    auto o = info[0].As<Napi::Object>();
    auto g = std::make_unique<Group>();
    g->rank = o.Get("rank").As<Napi::Number>().Int32Value();
    g->size = o.Get("size").As<Napi::Number>().Int32Value();
    auto addr = o.Get("masterAddr").As<Napi::String>().Utf8Value();
    auto port = o.Get("masterPort").As<Napi::Number>().Uint32Value();
    auto iface = o.Get("iface").IsString() ? o.Get("iface").As<Napi::String>().Utf8Value() : "";
    g->timeout = std::chrono::milliseconds(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
    g->where = addr + ":" + std::to_string(port);

    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(port);
    opts.isServer = g->rank == 0;
    opts.numWorkers = g->size;
    opts.waitWorkers = true;
    opts.timeout = g->timeout;
    g->store = c10::make_intrusive<c10d::TCPStore>(addr, opts);
    auto options = c10d::ProcessGroupGloo::Options::create(g->timeout);
    options->devices.push_back(device(addr, iface));
    options->threads = 2;
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, g->rank, g->size, options);
    group = std::move(g);
    return info.Env().Undefined();
  });
}

// The tensors of `handles`, flattened into buckets of at most `bucketBytes` (one tensor larger
// than that is a bucket of its own): fewer, larger messages, as DDP's reducer makes.
struct Buckets {
  std::vector<at::Tensor> flat;
  std::vector<std::vector<at::Tensor>> members;
};

Buckets bucketsOf(const Napi::Array& handles, int64_t bucketBytes) {
  Buckets b;
  std::vector<at::Tensor> open;
  int64_t openBytes = 0;
  auto close = [&]() {
    if (open.empty()) return;
    std::vector<at::Tensor> views;
    for (auto& t : open) views.push_back(t.reshape({-1}));
    b.flat.push_back(at::cat(views));
    b.members.push_back(open);
    open.clear();
    openBytes = 0;
  };
  for (uint32_t i = 0; i < handles.Length(); i++) {
    const at::Tensor& t = access.get(handles.Get(i));
    if (t.scalar_type() != at::kFloat) throw std::runtime_error("only float32 tensors are reduced");
    int64_t bytes = t.numel() * 4;
    if (!open.empty() && openBytes + bytes > bucketBytes) close();
    open.push_back(t);
    openBytes += bytes;
  }
  close();
  return b;
}

// New handles shaped like the bucket members, viewing the bucket's memory.
Napi::Value unpack(Napi::Env env, const Buckets& b) {
  auto out = Napi::Array::New(env);
  uint32_t k = 0;
  for (size_t i = 0; i < b.flat.size(); i++) {
    int64_t offset = 0;
    for (auto& member : b.members[i]) {
      auto n = member.numel();
      out.Set(k++, access.make(env, b.flat[i].narrow(0, offset, n).view(member.sizes())));
      offset += n;
    }
  }
  return out;
}

void waitAll(Group& g, std::vector<c10::intrusive_ptr<c10d::Work>>& works, const char* what) {
  for (auto& w : works) {
    if (!w->wait(g.timeout))
      throw std::runtime_error(std::string(what) + " did not finish within the timeout");
  }
}

// distAllReduce(handles, bucketBytes) -> new handles holding the sum over ranks. Every bucket's
// all-reduce is in flight at once; the last ones overlap the first ones' transfers.
Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    auto b = bucketsOf(info[0].As<Napi::Array>(), info[1].As<Napi::Number>().Int64Value());
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& flat : b.flat) {
      std::vector<at::Tensor> one{flat};
      works.push_back(g.pg->allreduce(one));
    }
    waitAll(g, works, "all-reduce");
    return unpack(info.Env(), b);
  });
}

// distBroadcast(handles, root, bucketBytes) -> new handles holding the root rank's values.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    auto b = bucketsOf(info[0].As<Napi::Array>(), info[2].As<Napi::Number>().Int64Value());
    c10d::BroadcastOptions opts;
    opts.rootRank = info[1].As<Napi::Number>().Int32Value();
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& flat : b.flat) {
      std::vector<at::Tensor> one{flat};
      works.push_back(g.pg->broadcast(one, opts));
    }
    waitAll(g, works, "broadcast");
    return unpack(info.Env(), b);
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    std::vector<c10::intrusive_ptr<c10d::Work>> works{g.pg->barrier()};
    waitAll(g, works, "barrier");
    return info.Env().Undefined();
  });
}

// storeSet(key, bytes) / storeGet(key) -> Buffer: small payloads every rank must agree on (a
// resumed checkpoint's state, gathered validation results). Get waits for the key: the group's
// timeout, or `timeoutMs` when given.
Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    auto bytes = info[1].As<Napi::Uint8Array>();
    std::vector<uint8_t> value(bytes.Data(), bytes.Data() + bytes.ByteLength());
    g.store->set(info[0].As<Napi::String>().Utf8Value(), value);
    return info.Env().Undefined();
  });
}

Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    // A longer wait than the collectives' (rank 0 evaluating while the others wait for its
    // result); a rank that dies still ends it at once, as its store connection closes.
    if (info.Length() > 1 && info[1].IsNumber())
      g.store->setTimeout(std::chrono::milliseconds(info[1].As<Napi::Number>().Int64Value()));
    std::vector<uint8_t> value;
    try {
      value = g.store->get(info[0].As<Napi::String>().Utf8Value());
    } catch (...) {
      g.store->setTimeout(g.timeout);
      throw;
    }
    g.store->setTimeout(g.timeout);
    return Napi::Buffer<uint8_t>::Copy(info.Env(), value.data(), value.size());
  });
}

Napi::Value StoreDelete(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    auto& g = current(info.Env());
    g.store->deleteKey(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

Napi::Value Destroy(const Napi::CallbackInfo& info) {
  return guardedDist(info, [&]() -> Napi::Value {
    if (group) {
      group->pg.reset();
      group->store.reset();
      group.reset();
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void RegisterDistributed(Napi::Env env, Napi::Object exports, const TensorAccess& tensors) {
  access = tensors;
  exports.Set("distributed", Napi::Boolean::New(env, true));
  exports.Set("distInit", Napi::Function::New(env, Init));
  exports.Set("distAllReduce", Napi::Function::New(env, AllReduce));
  exports.Set("distBroadcast", Napi::Function::New(env, Broadcast));
  exports.Set("distBarrier", Napi::Function::New(env, Barrier));
  exports.Set("distStoreSet", Napi::Function::New(env, StoreSet));
  exports.Set("distStoreGet", Napi::Function::New(env, StoreGet));
  exports.Set("distStoreDelete", Napi::Function::New(env, StoreDelete));
  exports.Set("distDestroy", Napi::Function::New(env, Destroy));
}

#else

void RegisterDistributed(Napi::Env env, Napi::Object exports, const TensorAccess&) {
  exports.Set("distributed", Napi::Boolean::New(env, false));
}

#endif

}  // namespace vt
