// A caching CPU allocator for libtorch, installed by the addon in place of c10's default one.
// A training step allocates and frees the same large activations and gradients (up to ~80 MB each
// for MobileNetV2 at 224 px, batch 16) hundreds of times; glibc serves blocks that large with a
// fresh mmap each time, so every element of every new tensor first costs a page fault and the
// kernel's zeroing of the page: measured here, a 77 MB elementwise op took 25 ms with fresh memory
// against ~6 ms on reused memory, and a 128 px step took 64k page faults (~100 ms of system time)
// where it takes ~1k with this cache. This allocator keeps freed large blocks (by size class) and
// hands them out again. Small blocks go straight to c10's allocation functions.
// (Transparent huge pages on the blocks were tried: fewer faults, but the kernel's compaction on
// the first step cost 2 s of system time here; not worth it for runs of a few hundred steps.)
// The free blocks it keeps are capped (VISIONTUNE_TORCH_CACHE_MB, default min(16 GiB, RAM/2): a
// step's whole working set comes back to the cache when it ends — 6 GB for MobileNetV2 at 224 px,
// batch 32 — and a cap below it (3 GB was tried) left 400k page faults per step);
// a block freed past the cap is returned to the system; a cap of 0 leaves c10's allocator in place.
#include "cpu-cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace visiontune {
namespace {

constexpr size_t kLargeBlock = 1 << 20;  // smaller blocks: malloc reuses them well already
constexpr size_t kSizeClass = 128 << 10;  // large sizes round up to this: near sizes share blocks
constexpr size_t kAlignment = 64;         // as c10's own allocator

size_t defaultCapBytes() {
  if (const char* mb = std::getenv("VISIONTUNE_TORCH_CACHE_MB")) return static_cast<size_t>(std::atoll(mb)) << 20;
  auto ram = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return std::min<size_t>(ram / 2, size_t{16} << 30);
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<void*, size_t> live;                   // every block handed out: its size class
  std::unordered_map<size_t, std::vector<void*>> freeBySize;  // large blocks kept for reuse
  size_t freeBytes = 0;
  size_t capBytes = defaultCapBytes();
};

Cache& cache() {
  static auto* c = new Cache();  // never destroyed: tensors may be freed during process exit
  return *c;
}

void* allocateLarge(size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, size) != 0) throw std::bad_alloc();
  return p;
}

void release(void* p) {
  if (!p) return;
  auto& c = cache();
  std::unique_lock<std::mutex> lock(c.mutex);
  auto it = c.live.find(p);
  size_t size = it == c.live.end() ? 0 : it->second;
  if (it != c.live.end()) c.live.erase(it);
  if (size >= kLargeBlock && c.freeBytes + size <= c.capBytes) {
    c.freeBySize[size].push_back(p);
    c.freeBytes += size;
    return;
  }
  lock.unlock();
  if (size >= kLargeBlock) std::free(p);  // posix_memalign's memory
  else c10::free_cpu(p);
}

struct CachingCpuAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t n) const override {
    auto& c = cache();
    void* p = nullptr;
    size_t size = n;
    if (n >= kLargeBlock) {
      size = (n + kSizeClass - 1) / kSizeClass * kSizeClass;
      std::lock_guard<std::mutex> lock(c.mutex);
      auto it = c.freeBySize.find(size);
      if (it != c.freeBySize.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        c.freeBytes -= size;
      }
    }
    if (!p) p = size >= kLargeBlock ? allocateLarge(size) : c10::alloc_cpu(n);
    if (p) {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.live.emplace(p, size);
    }
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

void installCachingCpuAllocator() {
  static std::once_flag once;
  // Never destroyed (tensors outlive static destruction at exit). Priority above the default's 0,
  // so libtorch's own registrations do not replace it.
  // A cap of 0 (VISIONTUNE_TORCH_CACHE_MB=0) keeps c10's own allocator.
  std::call_once(once, [] {
    if (cache().capBytes > 0) c10::SetCPUAllocator(new CachingCpuAllocator(), 10);
  });
}

size_t cachedCpuBytes() {
  auto& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.freeBytes;
}

void emptyCpuCache() {
  auto& c = cache();
  std::vector<void*> blocks;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto& [_, list] : c.freeBySize) blocks.insert(blocks.end(), list.begin(), list.end());
    c.freeBySize.clear();
    c.freeBytes = 0;
  }
  for (void* p : blocks) std::free(p);
}

}  // namespace visiontune
