// The addon's caching CPU allocator (cpu-cache.cc): reuses freed large tensor blocks instead of
// mapping fresh, page-faulting memory for every activation of every training step.
#pragma once
#include <cstddef>

namespace visiontune {

/** Makes libtorch allocate CPU tensors through the cache (idempotent, process-wide). */
void installCachingCpuAllocator();
/** Bytes held in freed blocks kept for reuse. */
size_t cachedCpuBytes();
/** Returns every kept block to the system. */
void emptyCpuCache();

}  // namespace visiontune
