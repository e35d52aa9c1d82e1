// ByteWriter: big-endian numbers and bytes appended to a caller's buffer, for the encoders
// (exported NetFlow/IPFIX). Writing past the end is refused, never done: ok() turns false and
// stays false, so an encoder checks once after a record instead of after every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace pmacct {

class ByteWriter {
public:
    explicit ByteWriter(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

    void u8(std::uint8_t v) {
        if (room(1)) buffer_[at_++] = v;
    }
    void u16(std::uint16_t v) { be(v, 2); }
    void u32(std::uint32_t v) { be(v, 4); }
    void u64(std::uint64_t v) { be(v, 8); }
    void bytes(const std::uint8_t* p, std::size_t n) {
        if (!room(n)) return;
        if (n != 0) std::memcpy(buffer_.data() + at_, p, n);
        at_ += n;
    }
    void zeros(std::size_t n) {
        if (!room(n)) return;
        std::memset(buffer_.data() + at_, 0, n);
        at_ += n;
    }
    // Overwrites a 16-bit number written earlier (a length or count known only at the end).
    void put_u16_at(std::size_t at, std::uint16_t v) {
        if (at + 2 > at_) return;
        buffer_[at] = static_cast<std::uint8_t>(v >> 8);
        buffer_[at + 1] = static_cast<std::uint8_t>(v);
    }

    std::size_t size() const { return at_; }
    std::size_t left() const { return buffer_.size() - at_; }
    bool ok() const { return ok_; }
    std::span<const std::uint8_t> written() const { return buffer_.first(at_); }

private:
    bool room(std::size_t n) {
        if (!ok_ || buffer_.size() - at_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    void be(std::uint64_t v, std::size_t n) {
        if (!room(n)) return;
        for (std::size_t i = 0; i < n; ++i) buffer_[at_ + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
        at_ += n;
    }

    std::span<std::uint8_t> buffer_;
    std::size_t at_ = 0;
    bool ok_ = true;
};

}  // namespace pmacct
