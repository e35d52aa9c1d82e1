// Zeroed anonymous memory for big tables: reserved at once, backed by the kernel only where it
// is touched, and on 2 MB pages where transparent huge pages allow (a hash table probed at
// random then costs one TLB entry per 2 MB instead of one per 4 KB).
#pragma once

#include <cstddef>
#include <utility>

namespace pmacct {

class LargeBuffer {
public:
    LargeBuffer() = default;
    // `bytes` of zeroed memory; an empty buffer (data() == nullptr) when memory runs out.
    static LargeBuffer allocate(std::size_t bytes);

    LargeBuffer(LargeBuffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    LargeBuffer& operator=(LargeBuffer&& o) noexcept {
        if (this != &o) {
            release();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    LargeBuffer(const LargeBuffer&) = delete;
    LargeBuffer& operator=(const LargeBuffer&) = delete;
    ~LargeBuffer() { release(); }

    void* data() const { return data_; }
    std::size_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }

private:
    void release();
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace pmacct
