#include "counting_new.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Counts operator new, and, outside sanitizer builds (which own malloc), malloc and friends
// too: Eigen allocates with malloc, not operator new.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AUGUR_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define AUGUR_COUNT_MALLOC 0
#endif
#endif
#ifndef AUGUR_COUNT_MALLOC
#define AUGUR_COUNT_MALLOC 1
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

const bool kCountsMalloc = AUGUR_COUNT_MALLOC != 0;

long allocations_so_far() {
  return g_allocations.load(std::memory_order_relaxed);
}

#if AUGUR_COUNT_MALLOC
// glibc's own entry points; this program's malloc interposes on every caller's.
extern "C" void* __libc_malloc(std::size_t size);
extern "C" void* __libc_calloc(std::size_t n, std::size_t size);
extern "C" void* __libc_realloc(void* p, std::size_t size);

extern "C" void* malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
extern "C" void* calloc(std::size_t n, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
#endif

void* operator new(std::size_t size) {
  if (!AUGUR_COUNT_MALLOC) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
