#include "pmacct/base/large_buffer.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace pmacct {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

LargeBuffer LargeBuffer::allocate(std::size_t bytes) {
    LargeBuffer b;
    if (bytes == 0) bytes = 1;
    if (bytes < kHugePage) {
        // Small: the allocator's own pages (calloc maps fresh zero pages for large blocks).
        b.data_ = std::calloc(bytes, 1);
        b.size_ = b.data_ != nullptr ? bytes : 0;
        return b;
    }
    const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    // Over-reserve by one huge page, then trim both ends so the block is 2 MB aligned.
    void* p = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (p == MAP_FAILED) return b;
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) ::munmap(p, aligned - start);
    const std::uintptr_t end = start + size + kHugePage;
    if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice: failure is harmless
#endif
    b.data_ = reinterpret_cast<void*>(aligned);
    b.size_ = size;
    return b;
}

void LargeBuffer::release() {
    if (data_ == nullptr) return;
    if (size_ < kHugePage) {
        std::free(data_);
    } else {
        ::munmap(data_, size_);
    }
    data_ = nullptr;
    size_ = 0;
}

}  // namespace pmacct
