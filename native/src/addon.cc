// visiontune's native engine: libtorch (ATen) tensors behind integer handles, for the tfjs
// `torch` backend in src/engine/torch. JS owns the handles' lifetimes (tfjs reference counting);
// this side owns the memory. The handle table lives in per-environment instance data (as tfjs-node
// keeps its own), so each Node environment (the main thread, every worker_thread) has its own
// handles, and its tensors are freed when that environment is torn down. Tensors use tfjs layouts
// (NHWC images, HWIO filters); convolutions run on channels-last NCHW views of the same memory,
// so no layout copies are made.
// Nothing here assumes CPU memory except `read`, which copies to the host.
#include <ATen/TensorIterator.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <napi.h>

#include "cpu-cache.h"
#include "distributed.h"

#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>

namespace {

// The live tensors of one Node environment, by handle; deleted (freeing them) at its teardown.
struct TensorTable {
  std::unordered_map<uint32_t, at::Tensor> tensors;
  uint32_t nextHandle = 1;
};

TensorTable& tableOf(Napi::Env env) { return *env.GetInstanceData<TensorTable>(); }

uint32_t keep(Napi::Env env, at::Tensor t) {
  auto& table = tableOf(env);
  table.tensors.emplace(table.nextHandle, std::move(t));
  return table.nextHandle++;
}

const at::Tensor& tensorOf(const Napi::Value& v) {
  auto& tensors = tableOf(v.Env()).tensors;
  auto it = tensors.find(v.As<Napi::Number>().Uint32Value());
  if (it == tensors.end()) throw Napi::Error::New(v.Env(), "torch: unknown tensor handle");
  return it->second;
}

std::vector<int64_t> ints(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

at::ScalarType scalarType(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "int32") return at::kInt;
  if (dtype == "bool") return at::kBool;
  throw std::runtime_error("torch: unsupported dtype " + dtype);
}

Napi::Value handle(Napi::Env env, at::Tensor t) { return Napi::Number::New(env, keep(env, std::move(t))); }

// create(values: Float32Array | Int32Array | Uint8Array, shape, dtype) -> handle (copies)
Napi::Value Create(const Napi::CallbackInfo& info) {
  auto values = info[0].As<Napi::TypedArray>();
  auto t = at::empty(ints(info[1]), scalarType(info[2].As<Napi::String>()));
  size_t bytes = t.numel() * t.element_size();
  if (values.ByteLength() != bytes) throw Napi::Error::New(info.Env(), "torch: create: size mismatch");
  auto buffer = values.ArrayBuffer();
  std::memcpy(t.data_ptr(), static_cast<uint8_t*>(buffer.Data()) + values.ByteOffset(), bytes);
  return handle(info.Env(), t);
}

// read(handle) -> a new typed array of the tensor's dtype, row-major
Napi::Value Read(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto t = tensorOf(info[0]).to(at::kCPU).contiguous();
  size_t n = t.numel();
  switch (t.scalar_type()) {
    case at::kFloat: {
      auto out = Napi::Float32Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr(), n * 4);
      return out;
    }
    case at::kInt: {
      auto out = Napi::Int32Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr(), n * 4);
      return out;
    }
    case at::kBool: {
      auto out = Napi::Uint8Array::New(env, n);
      std::memcpy(out.Data(), t.data_ptr(), n);
      return out;
    }
    default:
      throw Napi::Error::New(env, "torch: read: unsupported dtype");
  }
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  tableOf(info.Env()).tensors.erase(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

// stats() -> { tensors, bytes }: bytes counts each live storage once (views share storage).
Napi::Value Stats(const Napi::CallbackInfo& info) {
  const auto& tensors = tableOf(info.Env()).tensors;
  std::unordered_map<const void*, size_t> storages;
  for (auto& [_, t] : tensors) storages[t.storage().unsafeGetStorageImpl()] = t.storage().nbytes();
  size_t bytes = 0;
  for (auto& [_, b] : storages) bytes += b;
  auto out = Napi::Object::New(info.Env());
  out.Set("tensors", Napi::Number::New(info.Env(), tensors.size()));
  out.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(bytes)));
  // Freed blocks the caching allocator keeps for reuse (process-wide, not this environment's).
  out.Set("cachedBytes", Napi::Number::New(info.Env(), static_cast<double>(visiontune::cachedCpuBytes())));
  return out;
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

using Unary = std::function<at::Tensor(const at::Tensor&)>;
const std::unordered_map<std::string, Unary>& unaryOps() {
  static const std::unordered_map<std::string, Unary> ops = {
      {"Abs", [](const at::Tensor& x) { return x.abs(); }},
      {"Neg", [](const at::Tensor& x) { return x.neg(); }},
      {"Exp", [](const at::Tensor& x) { return x.exp(); }},
      {"Log", [](const at::Tensor& x) { return x.log(); }},
      {"Sqrt", [](const at::Tensor& x) { return x.sqrt(); }},
      {"Rsqrt", [](const at::Tensor& x) { return x.rsqrt(); }},
      {"Square", [](const at::Tensor& x) { return x.square(); }},
      {"Relu", [](const at::Tensor& x) { return x.relu(); }},
      {"Relu6", [](const at::Tensor& x) { return x.clamp(0, 6); }},
      {"Sigmoid", [](const at::Tensor& x) { return x.sigmoid(); }},
      {"Tanh", [](const at::Tensor& x) { return x.tanh(); }},
      {"Floor", [](const at::Tensor& x) { return x.floor(); }},
      {"Ceil", [](const at::Tensor& x) { return x.ceil(); }},
      {"Sign", [](const at::Tensor& x) { return x.sign(); }},
      {"Reciprocal", [](const at::Tensor& x) { return x.reciprocal(); }},
      {"Softplus", [](const at::Tensor& x) { return at::softplus(x); }},
      {"LogicalNot", [](const at::Tensor& x) { return x.logical_not(); }},
      {"Elu", [](const at::Tensor& x) { return at::elu(x); }},
      {"Selu", [](const at::Tensor& x) { return at::selu(x); }},
      {"Round", [](const at::Tensor& x) { return x.round(); }},  // half to even, as tfjs
      {"Sin", [](const at::Tensor& x) { return x.sin(); }},
      {"Cos", [](const at::Tensor& x) { return x.cos(); }},
      {"Log1p", [](const at::Tensor& x) { return x.log1p(); }},
      {"Expm1", [](const at::Tensor& x) { return x.expm1(); }},
      {"Erf", [](const at::Tensor& x) { return x.erf(); }},
      {"IsNan", [](const at::Tensor& x) { return x.isnan(); }},
      {"IsInf", [](const at::Tensor& x) { return x.isinf(); }},
      {"IsFinite", [](const at::Tensor& x) { return x.isfinite(); }},
  };
  return ops;
}

// unary(op, handle) -> handle
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  auto name = info[0].As<Napi::String>().Utf8Value();
  auto it = unaryOps().find(name);
  if (it == unaryOps().end()) throw Napi::Error::New(info.Env(), "torch: unknown unary op " + name);
  return handle(info.Env(), it->second(tensorOf(info[1])));
}

using Binary = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
const std::unordered_map<std::string, Binary>& binaryOps() {
  static const std::unordered_map<std::string, Binary> ops = {
      {"Add", [](const at::Tensor& a, const at::Tensor& b) { return a.add(b); }},
      {"Sub", [](const at::Tensor& a, const at::Tensor& b) { return a.sub(b); }},
      {"Multiply", [](const at::Tensor& a, const at::Tensor& b) { return a.mul(b); }},
      {"RealDiv", [](const at::Tensor& a, const at::Tensor& b) { return a.div(b); }},
      {"FloorDiv", [](const at::Tensor& a, const at::Tensor& b) { return a.div(b, "floor"); }},
      {"Pow", [](const at::Tensor& a, const at::Tensor& b) { return a.pow(b); }},
      {"Maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"Minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"SquaredDifference", [](const at::Tensor& a, const at::Tensor& b) { return (a - b).square(); }},
      {"Equal", [](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); }},
      {"NotEqual", [](const at::Tensor& a, const at::Tensor& b) { return a.ne(b); }},
      {"Less", [](const at::Tensor& a, const at::Tensor& b) { return a.lt(b); }},
      {"LessEqual", [](const at::Tensor& a, const at::Tensor& b) { return a.le(b); }},
      {"Greater", [](const at::Tensor& a, const at::Tensor& b) { return a.gt(b); }},
      {"GreaterEqual", [](const at::Tensor& a, const at::Tensor& b) { return a.ge(b); }},
      {"LogicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_and(b); }},
      {"LogicalOr", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_or(b); }},
      // tfjs Mod takes the divisor's sign (like Python), which is torch's remainder.
      {"Mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
  };
  return ops;
}

// binary(op, a, b) -> handle, numpy broadcasting (as tfjs)
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  auto name = info[0].As<Napi::String>().Utf8Value();
  auto it = binaryOps().find(name);
  if (it == binaryOps().end()) throw Napi::Error::New(info.Env(), "torch: unknown binary op " + name);
  return handle(info.Env(), it->second(tensorOf(info[1]), tensorOf(info[2])));
}

// reduce(op, handle, axes, keepDims) -> handle
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  auto name = info[0].As<Napi::String>().Utf8Value();
  const auto& x = tensorOf(info[1]);
  auto axes = ints(info[2]);
  bool keepDims = info[3].As<Napi::Boolean>();
  at::Tensor y;
  if (name == "Sum") y = x.sum(axes, keepDims);
  else if (name == "Mean") y = x.mean(axes, keepDims);
  else if (name == "Prod") y = axes.empty() ? x : x.prod(axes[0], keepDims);
  else if (name == "Max") y = x.amax(axes, keepDims);
  else if (name == "Min") y = x.amin(axes, keepDims);
  else if (name == "All") y = axes.empty() ? x : x.all(axes[0], keepDims);
  else if (name == "Any") y = axes.empty() ? x : x.any(axes[0], keepDims);
  else throw Napi::Error::New(info.Env(), "torch: unknown reduction " + name);
  return handle(info.Env(), y);
}

// argReduce(op, handle, axis) -> int32 handle
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  auto name = info[0].As<Napi::String>().Utf8Value();
  const auto& x = tensorOf(info[1]);
  int64_t axis = info[2].As<Napi::Number>().Int64Value();
  auto y = name == "ArgMax" ? x.argmax(axis) : x.argmin(axis);
  return handle(info.Env(), y.to(at::kInt));
}

// cast(handle, dtype) -> handle
Napi::Value Cast(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).to(scalarType(info[1].As<Napi::String>())));
}

// reshape(handle, shape) -> handle sharing the storage when the layout allows
Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).reshape(ints(info[1])));
}

// transpose(handle, perm) -> handle (a contiguous copy)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).permute(ints(info[1])).contiguous());
}

// matmul(a, b, transposeA, transposeB) -> handle; a, b rank 3 [batch, m, k] (tfjs BatchMatMul)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  auto a = tensorOf(info[0]);
  auto b = tensorOf(info[1]);
  if (info[2].As<Napi::Boolean>()) a = a.transpose(-1, -2);
  if (info[3].As<Napi::Boolean>()) b = b.transpose(-1, -2);
  return handle(info.Env(), at::matmul(a, b));
}

// tfjs filters -> torch OIHW views: HWIO for convolutions; [H, W, C, M] for depthwise, where
// output channel c*M + m reads input channel c (the order torch's groups=C also uses).
at::Tensor torchWeight(const at::Tensor& w, bool depthwise) {
  if (!depthwise) return w.permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast);
  auto s = w.sizes();
  return w.permute({2, 3, 0, 1}).reshape({s[2] * s[3], 1, s[0], s[1]}).contiguous(at::MemoryFormat::ChannelsLast);
}

at::Tensor fromTorchWeight(const at::Tensor& g, const std::vector<int64_t>& shape, bool depthwise) {
  if (!depthwise) return g.permute({2, 3, 1, 0}).contiguous();
  return g.reshape({shape[2], shape[3], shape[0], shape[1]}).permute({2, 3, 0, 1}).contiguous();
}

// NHWC -> channels-last NCHW view, padded explicitly when the padding is asymmetric ('same' with
// an even total): torch's convolutions take one padding per side pair.
at::Tensor nchwInput(const at::Tensor& x, std::vector<int64_t>& pads) {
  auto xv = x.permute({0, 3, 1, 2});
  if (pads[0] == pads[1] && pads[2] == pads[3]) return xv;
  xv = at::constant_pad_nd(xv, {pads[2], pads[3], pads[0], pads[1]}, 0).contiguous(at::MemoryFormat::ChannelsLast);
  pads = {0, 0, 0, 0};
  return xv;
}

// The convolutions' last argument: true for depthwise (groups = input channels, filter
// [H, W, C, M]), false for a plain conv, or a group count (filter HWIO [H, W, C/groups, O], whose
// OIHW view is the plain conv's: torch splits both channel axes into `groups` runs alike).
struct Grouping {
  bool depthwise;
  int64_t groups;
};

Grouping groupingOf(const Napi::Value& v, int64_t inputChannels) {
  if (v.IsNumber()) {
    auto groups = v.As<Napi::Number>().Int64Value();
    if (groups < 1 || inputChannels % groups != 0)
      throw Napi::Error::New(v.Env(), "torch: conv2d: groups must divide the input channels");
    return {false, groups};
  }
  bool depthwise = v.As<Napi::Boolean>();
  return {depthwise, depthwise ? inputChannels : 1};
}

// conv2d(x NHWC, w, strides[2], pads[4] top,bottom,left,right, dilations[2], depthwise|groups) -> NHWC
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  auto pads = ints(info[3]);
  const auto& x = tensorOf(info[0]);
  const auto& w = tensorOf(info[1]);
  auto [depthwise, groups] = groupingOf(info[5], x.size(3));
  auto xv = nchwInput(x, pads);
  auto y = at::conv2d(xv, torchWeight(w, depthwise), {}, ints(info[2]), {pads[0], pads[2]}, ints(info[4]), groups);
  return handle(info.Env(), y.permute({0, 2, 3, 1}).contiguous());
}

// The gradients of conv2d, through torch's convolution_backward on the (explicitly padded) input.
// conv2dBackprop(which 'input'|'filter', x-or-inputShape, dy, w-or-filterShape, strides, pads,
//                dilations, depthwise|groups) -> handle
Napi::Value Conv2DBackprop(const Napi::CallbackInfo& info) {
  bool wantInput = info[0].As<Napi::String>().Utf8Value() == "input";
  auto pads = ints(info[5]);
  auto strides = ints(info[4]);
  auto dilations = ints(info[6]);
  const auto& dy = tensorOf(info[2]);
  auto dyv = dy.permute({0, 3, 1, 2});
  std::vector<int64_t> xShape, wShape;
  at::Tensor x, w;
  if (wantInput) {
    xShape = ints(info[1]);
    w = tensorOf(info[3]);
    wShape = w.sizes().vec();
  } else {
    x = tensorOf(info[1]);
    xShape = x.sizes().vec();
    wShape = ints(info[3]);
  }
  bool asymmetric = pads[0] != pads[1] || pads[2] != pads[3];
  // Shapes on the padded input when padding is asymmetric; the input gradient is cropped after.
  std::vector<int64_t> padded = {xShape[0], xShape[3], xShape[1] + (asymmetric ? pads[0] + pads[1] : 0),
                                 xShape[2] + (asymmetric ? pads[2] + pads[3] : 0)};
  std::vector<int64_t> symPads = asymmetric ? std::vector<int64_t>{0, 0} : std::vector<int64_t>{pads[0], pads[2]};
  auto [depthwise, groups] = groupingOf(info[7], xShape[3]);
  auto options = dy.options();
  // The side not asked for only lends its shape and memory format: uninitialized, never read.
  // (A stride-0 view costs no memory but makes torch pick NCHW kernels and copy: 7x slower.)
  auto shapeOnly = [&](at::IntArrayRef shape) { return at::empty(shape, options.memory_format(at::MemoryFormat::ChannelsLast)); };
  at::Tensor xv;
  if (wantInput) xv = shapeOnly(padded);
  else if (asymmetric) xv = at::constant_pad_nd(x.permute({0, 3, 1, 2}), {pads[2], pads[3], pads[0], pads[1]}, 0);
  else xv = x.permute({0, 3, 1, 2});
  at::Tensor wv = wantInput ? torchWeight(w, depthwise)
                            : shapeOnly(depthwise ? std::vector<int64_t>{wShape[2] * wShape[3], 1, wShape[0], wShape[1]}
                                                  : std::vector<int64_t>{wShape[3], wShape[2], wShape[0], wShape[1]});
  auto grads = at::convolution_backward(dyv, xv, wv, c10::nullopt, strides, symPads, dilations, false, {0, 0}, groups,
                                        {wantInput, !wantInput, false});
  if (wantInput) {
    auto gx = std::get<0>(grads);
    if (asymmetric) gx = gx.slice(2, pads[0], pads[0] + xShape[1]).slice(3, pads[2], pads[2] + xShape[2]);
    return handle(info.Env(), gx.permute({0, 2, 3, 1}).contiguous());
  }
  return handle(info.Env(), fromTorchWeight(std::get<1>(grads), wShape, depthwise));
}

// batchNorm(x, mean, variance, offset|0, scale|0, epsilon) -> handle; all broadcast like tfjs
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const auto& x = tensorOf(info[0]);
  auto eps = info[5].As<Napi::Number>().DoubleValue();
  bool hasOffset = info[3].As<Napi::Number>().Uint32Value();
  bool hasScale = info[4].As<Napi::Number>().Uint32Value();
  // Per-channel statistics (the layers' case): fold them into one multiply-add pass over x, as
  // PyTorch's inference batch norm does.
  auto channels = x.dim() > 0 ? x.size(-1) : 0;
  auto perChannel = [&](uint32_t i) {
    const auto& t = tensorOf(info[i]);
    return t.numel() == channels && (t.dim() == 0 || t.size(-1) == channels) && t.dim() <= x.dim();
  };
  if (channels > 1 && perChannel(1) && perChannel(2) && (!hasOffset || perChannel(3)) && (!hasScale || perChannel(4))) {
    auto alpha = (tensorOf(info[2]).reshape({channels}) + eps).rsqrt();
    if (hasScale) alpha = alpha * tensorOf(info[4]).reshape({channels});
    auto beta = -tensorOf(info[1]).reshape({channels}) * alpha;
    if (hasOffset) beta = beta + tensorOf(info[3]).reshape({channels});
    return handle(info.Env(), at::addcmul(beta, x, alpha));
  }
  auto y = (x - tensorOf(info[1])) * (tensorOf(info[2]) + info[5].As<Napi::Number>().DoubleValue()).rsqrt();
  if (info[4].As<Napi::Number>().Uint32Value()) y = y * tensorOf(info[4]);
  if (info[3].As<Napi::Number>().Uint32Value()) y = y + tensorOf(info[3]);
  return handle(info.Env(), y);
}

// Views a tensor with channels in its last dimension (any rank) as a channels-last NCHW tensor
// of the same memory, the layout ATen's batch-norm kernels take.
at::Tensor channelsLastView(const at::Tensor& x) {
  if (x.dim() == 4) return x.permute({0, 3, 1, 2});
  auto c = x.size(-1);
  return x.reshape({x.numel() / c, 1, 1, c}).permute({0, 3, 1, 2});
}

at::Tensor fromChannelsLast(const at::Tensor& t, at::IntArrayRef shape) {
  return t.permute({0, 2, 3, 1}).contiguous().reshape(shape);
}

Napi::Array handles(Napi::Env env, std::initializer_list<at::Tensor> ts) {
  auto out = Napi::Array::New(env, ts.size());
  uint32_t i = 0;
  for (const auto& t : ts) out.Set(i++, handle(env, t));
  return out;
}

// batchNormTrain(x, scale, offset, epsilon) -> [y, mean, variance, invstd]: training-mode batch
// norm over every axis but the last, in one ATen kernel. variance is the biased batch variance
// (what tfjs-layers normalizes with and averages into its moving variance).
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  const auto& x = tensorOf(info[0]);
  auto eps = info[3].As<Napi::Number>().DoubleValue();
  auto channels = x.size(-1);
  auto count = x.numel() / channels;
  // momentum 1 turns the running buffers into this batch's mean and unbiased variance.
  auto mean = at::zeros({channels}, x.options());
  auto unbiased = at::zeros({channels}, x.options());
  auto out = at::native_batch_norm(channelsLastView(x), tensorOf(info[1]), tensorOf(info[2]), mean, unbiased, true,
                                   1.0, eps);
  auto variance = count > 1 ? unbiased.mul_(static_cast<double>(count - 1) / count) : at::zeros_like(mean);
  return handles(info.Env(), {fromChannelsLast(std::get<0>(out), x.sizes()), std::get<1>(out), variance,
                              std::get<2>(out)});
}

// batchNormTrainGrad(dy, x, scale, mean, invstd, epsilon) -> [dx, dscale, doffset] of
// batchNormTrain, the batch statistics differentiated through (ATen's fused backward).
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  const auto& dy = tensorOf(info[0]);
  const auto& x = tensorOf(info[1]);
  auto grads = at::native_batch_norm_backward(channelsLastView(dy), channelsLastView(x), tensorOf(info[2]), {}, {},
                                              tensorOf(info[3]), tensorOf(info[4]), true,
                                              info[5].As<Napi::Number>().DoubleValue(), {true, true, true});
  return handles(info.Env(), {fromChannelsLast(std::get<0>(grads), x.sizes()), std::get<1>(grads), std::get<2>(grads)});
}

// Branch-free bit masks so the compiler vectorizes it (a `?:` on the NaN test is control flow to
// GCC and left the loop scalar: 3.4x slower than ATen's multiply over the same bytes). Where x is
// NaN the result is x; elsewhere dy where 0 < x <= max, else +0.
static void reluGradLoop(float* __restrict o, const float* __restrict d, const float* __restrict v,
                         int64_t n, float max) {
  for (int64_t i = 0; i < n; i++) {
    float xi = v[i];
    uint32_t pass = 0u - static_cast<uint32_t>((xi > 0.f) & (xi <= max));
    uint32_t nan = 0u - static_cast<uint32_t>(xi != xi);
    uint32_t dBits, xBits;
    std::memcpy(&dBits, d + i, 4);
    std::memcpy(&xBits, v + i, 4);
    uint32_t out = (dBits & pass) | (xBits & nan);
    std::memcpy(o + i, &out, 4);
  }
}

// reluGrad(dy, x, max) -> dy * (0 < x <= max ? 1 : 0), NaN where x is NaN: tfjs's Relu
// (max = Infinity) and Relu6 (max = 6) gradients, which tfjs composes from 3-5 full passes.
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  auto dy = tensorOf(info[0]);
  auto x = tensorOf(info[1]);
  auto max = static_cast<float>(info[2].As<Napi::Number>().DoubleValue());
  if (x.is_cpu() && dy.is_cpu() && x.scalar_type() == at::kFloat && dy.scalar_type() == at::kFloat &&
      x.sizes() == dy.sizes()) {
    auto out = at::empty_like(dy);
    // TensorIterator runs the loop on libtorch's own thread pool (an at::parallel_for here would
    // be compiled without OpenMP and run on one thread) and handles any strides.
    auto iter = at::TensorIteratorConfig().add_output(out).add_input(dy).add_input(x).build();
    iter.for_each([max](char** data, const int64_t* strides, int64_t n) {
      if (strides[0] == 4 && strides[1] == 4 && strides[2] == 4) {
        reluGradLoop(reinterpret_cast<float*>(data[0]), reinterpret_cast<const float*>(data[1]),
                     reinterpret_cast<const float*>(data[2]), n, max);
        return;
      }
      for (int64_t i = 0; i < n; i++) {
        reluGradLoop(reinterpret_cast<float*>(data[0] + i * strides[0]),
                     reinterpret_cast<const float*>(data[1] + i * strides[1]),
                     reinterpret_cast<const float*>(data[2] + i * strides[2]), 1, max);
      }
    });
    return handle(info.Env(), out);
  }
  auto mask = at::where(x.isnan(), x, x.gt(0).logical_and_(x.le(max)).to(x.scalar_type()));
  return handle(info.Env(), dy * mask);
}

// clamp(x, lo, hi) -> handle
Napi::Value Clamp(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).clamp(info[1].As<Napi::Number>().DoubleValue(), info[2].As<Napi::Number>().DoubleValue()));
}

// where(condition, a, b) -> handle (broadcasting)
Napi::Value Where(const Napi::CallbackInfo& info) {
  return handle(info.Env(), at::where(tensorOf(info[0]), tensorOf(info[1]), tensorOf(info[2])));
}

// fill(like, value) -> a tensor of like's shape and dtype holding value
Napi::Value FillLike(const Napi::CallbackInfo& info) {
  return handle(info.Env(), at::full_like(tensorOf(info[0]), info[1].As<Napi::Number>().DoubleValue()));
}

// pad(x, flat [before0, after0, before1, after1, ...] in tfjs order, value) -> handle
Napi::Value Pad(const Napi::CallbackInfo& info) {
  auto p = ints(info[1]);
  std::vector<int64_t> torchOrder;  // torch wants the last dimension first
  for (size_t d = p.size() / 2; d-- > 0;) {
    torchOrder.push_back(p[2 * d]);
    torchOrder.push_back(p[2 * d + 1]);
  }
  return handle(info.Env(), at::constant_pad_nd(tensorOf(info[0]), torchOrder, info[2].As<Napi::Number>().DoubleValue()));
}

// slice(x, begin, size) -> handle (a contiguous copy)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  auto t = tensorOf(info[0]);
  auto begin = ints(info[1]);
  auto size = ints(info[2]);
  for (size_t d = 0; d < begin.size(); d++) t = t.slice(d, begin[d], begin[d] + size[d]);
  return handle(info.Env(), t.contiguous());
}

// step(x, alpha) -> x > 0 ? 1 : alpha, NaN stays NaN (tfjs Step)
Napi::Value Step(const Napi::CallbackInfo& info) {
  const auto& x = tensorOf(info[0]);
  auto alpha = info[1].As<Napi::Number>().DoubleValue();
  // Scalar tensors broadcast: no full-size tensors of ones and alphas on this hot path.
  auto y = at::where(x > 0, at::scalar_tensor(1, x.options()), at::scalar_tensor(alpha, x.options()));
  return handle(info.Env(), at::where(x.isnan(), x, y));
}

// tile(x, reps) -> handle
Napi::Value Tile(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).repeat(ints(info[1])));
}

// The tensors behind a JS array of handles.
std::vector<at::Tensor> tensorsOf(const Napi::Value& v) {
  auto list = v.As<Napi::Array>();
  std::vector<at::Tensor> parts;
  for (uint32_t i = 0; i < list.Length(); i++) parts.push_back(tensorOf(list.Get(i)));
  return parts;
}

// NHWC -> NCHW view padded explicitly (tfjs pads can be asymmetric), with `value` outside.
at::Tensor paddedNchw(const at::Tensor& x, const std::vector<int64_t>& pads, double value) {
  auto xv = x.permute({0, 3, 1, 2});
  if (pads[0] || pads[1] || pads[2] || pads[3]) xv = at::constant_pad_nd(xv, {pads[2], pads[3], pads[0], pads[1]}, value);
  return xv;
}

// How many in-bounds inputs each average-pool window holds: tfjs divides by that, not by the
// window size. A [1, 1, outH, outW] tensor.
at::Tensor poolCounts(const at::Tensor& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& pads) {
  auto ones = at::ones({1, 1, x.size(1), x.size(2)}, x.options());
  auto padded = at::constant_pad_nd(ones, {pads[2], pads[3], pads[0], pads[1]}, 0);
  return at::avg_pool2d(padded, kernel, strides, {0, 0}, false, true, 1);
}

// pool('max'|'avg', x NHWC, kernel[2], strides[2], pads[4] top,bottom,left,right, dilations[2]) -> NHWC
Napi::Value Pool(const Napi::CallbackInfo& info) {
  bool isMax = info[0].As<Napi::String>().Utf8Value() == "max";
  const auto& x = tensorOf(info[1]);
  auto kernel = ints(info[2]);
  auto strides = ints(info[3]);
  auto pads = ints(info[4]);
  at::Tensor y;
  if (isMax) {
    y = at::max_pool2d(paddedNchw(x, pads, -INFINITY), kernel, strides, {0, 0}, ints(info[5]), false);
  } else {
    auto sums = at::avg_pool2d(paddedNchw(x, pads, 0), kernel, strides, {0, 0}, false, true, 1);
    y = sums / poolCounts(x, kernel, strides, pads);
  }
  return handle(info.Env(), y.permute({0, 2, 3, 1}).contiguous());
}

// poolGrad('max'|'avg', dy NHWC, x NHWC, kernel, strides, pads, dilations) -> dx NHWC. Max sends
// each window's dy to its first maximum (row-major), as tfjs-cpu does.
Napi::Value PoolGrad(const Napi::CallbackInfo& info) {
  bool isMax = info[0].As<Napi::String>().Utf8Value() == "max";
  const auto& dy = tensorOf(info[1]);
  const auto& x = tensorOf(info[2]);
  auto kernel = ints(info[3]);
  auto strides = ints(info[4]);
  auto pads = ints(info[5]);
  auto dilations = ints(info[6]);
  auto dyv = dy.permute({0, 3, 1, 2});
  at::Tensor g;
  if (isMax) {
    auto xv = paddedNchw(x, pads, -INFINITY);
    auto indices = std::get<1>(at::max_pool2d_with_indices(xv, kernel, strides, {0, 0}, dilations, false));
    g = at::max_pool2d_with_indices_backward(dyv, xv, kernel, strides, {0, 0}, dilations, false, indices);
  } else {
    auto shape = at::zeros({1}, x.options()).expand({x.size(0), x.size(3), x.size(1) + pads[0] + pads[1], x.size(2) + pads[2] + pads[3]});
    g = at::avg_pool2d_backward(dyv / poolCounts(x, kernel, strides, pads), shape, kernel, strides, {0, 0}, false, true, 1);
  }
  g = g.slice(2, pads[0], pads[0] + x.size(1)).slice(3, pads[2], pads[2] + x.size(2));
  return handle(info.Env(), g.permute({0, 2, 3, 1}).contiguous());
}

// concat([handles], axis) -> handle
Napi::Value Concat(const Napi::CallbackInfo& info) {
  return handle(info.Env(), at::cat(tensorsOf(info[0]), info[1].As<Napi::Number>().Int64Value()));
}

// softmax(x, dim) -> handle
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return handle(info.Env(), at::softmax(tensorOf(info[0]), info[1].As<Napi::Number>().Int64Value()));
}

// oneHot(indices int32, depth, on, off) -> float32 handle; out-of-range indices give a row of off
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  const auto& indices = tensorOf(info[0]);
  int64_t depth = info[1].As<Napi::Number>().Int64Value();
  double on = info[2].As<Napi::Number>().DoubleValue();
  double off = info[3].As<Napi::Number>().DoubleValue();
  auto classes = at::arange(depth, indices.options().dtype(at::kInt));
  auto hit = indices.unsqueeze(-1).eq(classes);
  return handle(info.Env(), at::where(hit, at::scalar_tensor(on, at::kFloat), at::scalar_tensor(off, at::kFloat)));
}

// stack([handles], axis) -> handle
Napi::Value Stack(const Napi::CallbackInfo& info) {
  return handle(info.Env(), at::stack(tensorsOf(info[0]), info[1].As<Napi::Number>().Int64Value()));
}

// gather(x, indices int32, axis, batchDims 0) -> handle: x's axis replaced by indices' shape
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const auto& x = tensorOf(info[0]);
  const auto& indices = tensorOf(info[1]);
  int64_t axis = info[2].As<Napi::Number>().Int64Value();
  auto flat = at::index_select(x, axis, indices.reshape({-1}).to(at::kLong));
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
  for (auto d : indices.sizes()) shape.push_back(d);
  shape.insert(shape.end(), x.sizes().begin() + axis + 1, x.sizes().end());
  return handle(info.Env(), flat.reshape(shape));
}

// flip(x, axes) -> handle (tfjs Reverse)
Napi::Value Flip(const Napi::CallbackInfo& info) {
  return handle(info.Env(), tensorOf(info[0]).flip(ints(info[1])).contiguous());
}

// addN([handles]) -> handle
Napi::Value AddN(const Napi::CallbackInfo& info) {
  auto parts = tensorsOf(info[0]);
  auto sum = parts[0].clone();
  for (size_t i = 1; i < parts.size(); i++) sum.add_(parts[i]);
  return handle(info.Env(), sum);
}

// leakyRelu(x, alpha) -> handle
Napi::Value LeakyRelu(const Napi::CallbackInfo& info) {
  const auto& x = tensorOf(info[0]);
  return handle(info.Env(), at::where(x.gt(0), x, x * info[1].As<Napi::Number>().DoubleValue()));
}

// Wraps a function so C++ exceptions (c10::Error included) become JS errors with the message.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("torch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("torch: ") + e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Deleted by node-addon-api's default finalizer when this environment is torn down.
  env.SetInstanceData(new TensorTable());
  visiontune::installCachingCpuAllocator();
  exports.Set("create", Napi::Function::New(env, guarded<Create>));
  exports.Set("read", Napi::Function::New(env, guarded<Read>));
  exports.Set("free", Napi::Function::New(env, guarded<Free>));
  exports.Set("stats", Napi::Function::New(env, guarded<Stats>));
  exports.Set("threads", Napi::Function::New(env, guarded<Threads>));
  exports.Set("unary", Napi::Function::New(env, guarded<UnaryOp>));
  exports.Set("binary", Napi::Function::New(env, guarded<BinaryOp>));
  exports.Set("reduce", Napi::Function::New(env, guarded<Reduce>));
  exports.Set("argReduce", Napi::Function::New(env, guarded<ArgReduce>));
  exports.Set("cast", Napi::Function::New(env, guarded<Cast>));
  exports.Set("reshape", Napi::Function::New(env, guarded<Reshape>));
  exports.Set("transpose", Napi::Function::New(env, guarded<Transpose>));
  exports.Set("matmul", Napi::Function::New(env, guarded<MatMul>));
  exports.Set("conv2d", Napi::Function::New(env, guarded<Conv2D>));
  exports.Set("conv2dBackprop", Napi::Function::New(env, guarded<Conv2DBackprop>));
  // Builds before this one took only depthwise true/false there; JS checks this flag.
  exports.Set("convGroups", Napi::Boolean::New(env, true));
  exports.Set("batchNorm", Napi::Function::New(env, guarded<BatchNorm>));
  exports.Set("batchNormTrain", Napi::Function::New(env, guarded<BatchNormTrain>));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, guarded<BatchNormTrainGrad>));
  exports.Set("reluGrad", Napi::Function::New(env, guarded<ReluGrad>));
  exports.Set("clamp", Napi::Function::New(env, guarded<Clamp>));
  exports.Set("where", Napi::Function::New(env, guarded<Where>));
  exports.Set("fillLike", Napi::Function::New(env, guarded<FillLike>));
  exports.Set("pad", Napi::Function::New(env, guarded<Pad>));
  exports.Set("slice", Napi::Function::New(env, guarded<Slice>));
  exports.Set("tile", Napi::Function::New(env, guarded<Tile>));
  exports.Set("step", Napi::Function::New(env, guarded<Step>));
  exports.Set("pool", Napi::Function::New(env, guarded<Pool>));
  exports.Set("poolGrad", Napi::Function::New(env, guarded<PoolGrad>));
  exports.Set("concat", Napi::Function::New(env, guarded<Concat>));
  exports.Set("softmax", Napi::Function::New(env, guarded<Softmax>));
  exports.Set("oneHot", Napi::Function::New(env, guarded<OneHot>));
  exports.Set("stack", Napi::Function::New(env, guarded<Stack>));
  exports.Set("gather", Napi::Function::New(env, guarded<Gather>));
  exports.Set("flip", Napi::Function::New(env, guarded<Flip>));
  exports.Set("addN", Napi::Function::New(env, guarded<AddN>));
  exports.Set("leakyRelu", Napi::Function::New(env, guarded<LeakyRelu>));
  auto unary = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& [name, _] : unaryOps()) unary.Set(i++, name);
  exports.Set("unaryOps", unary);
  auto binary = Napi::Array::New(env);
  i = 0;
  for (auto& [name, _] : binaryOps()) binary.Set(i++, name);
  exports.Set("binaryOps", binary);
  vt::RegisterDistributed(env, exports, {tensorOf, handle});
  return exports;
}

}  // namespace

NODE_API_MODULE(vt_torch, Init)
