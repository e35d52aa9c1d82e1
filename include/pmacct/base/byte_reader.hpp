// ByteReader: bounds-checked reads over a span of packet bytes (STYLE.md, "Wire formats").
//
// Reads are big-endian unless the name says otherwise. A read past the end never touches
// memory outside the span: it returns zero (or an empty span), and the reader turns "failed"
// for good, so a decoder can read a whole block and check ok() once. sub(n) hands out a
// reader over the next n bytes for a length-prefixed block (flowset, sample, TLV, attribute).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pmacct {

class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

    // False once any read, skip or sub went past the end.
    bool ok() const { return ok_; }
    std::size_t offset() const { return pos_; }
    std::size_t size() const { return data_.size(); }
    std::size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return remaining() == 0; }
    // True when n more bytes can be read.
    bool has(std::size_t n) const { return n <= remaining(); }
    // The bytes not read yet.
    std::span<const std::uint8_t> rest() const { return data_.subspan(pos_); }

    std::uint8_t u8() {
        if (!take(1)) return 0;
        return data_[pos_ - 1];
    }
    std::uint16_t u16() {
        if (!take(2)) return 0;
        const std::uint8_t* p = data_.data() + pos_ - 2;
        return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
    }
    std::uint32_t u24() {
        if (!take(3)) return 0;
        const std::uint8_t* p = data_.data() + pos_ - 3;
        return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    }
    std::uint32_t u32() {
        if (!take(4)) return 0;
        return load_be32(data_.data() + pos_ - 4);
    }
    std::uint64_t u64() {
        if (!take(8)) return 0;
        const std::uint8_t* p = data_.data() + pos_ - 8;
        return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
    }
    // Little-endian reads, for the few host-order fields of capture formats.
    std::uint16_t u16_le() {
        if (!take(2)) return 0;
        const std::uint8_t* p = data_.data() + pos_ - 2;
        return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
    }
    std::uint32_t u32_le() {
        if (!take(4)) return 0;
        const std::uint8_t* p = data_.data() + pos_ - 4;
        return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
               (std::uint32_t{p[3]} << 24);
    }

    // The next n bytes as a span (empty, and the reader failed, if there are fewer).
    std::span<const std::uint8_t> bytes(std::size_t n) {
        if (!take(n)) return {};
        return data_.subspan(pos_ - n, n);
    }
    // Copies out.size() bytes (zero-fills `out` if there are fewer).
    bool copy(std::span<std::uint8_t> out) {
        std::span<const std::uint8_t> b = bytes(out.size());
        if (b.size() != out.size()) {
            for (std::uint8_t& c : out) c = 0;
            return false;
        }
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = b[i];
        return true;
    }
    bool skip(std::size_t n) { return take(n); }
    // A reader over the next n bytes, which this reader steps over. If fewer are left, both
    // this reader and the returned one are failed.
    ByteReader sub(std::size_t n) {
        if (!take(n)) {
            ByteReader r;
            r.ok_ = false;
            return r;
        }
        return ByteReader(data_.subspan(pos_ - n, n));
    }

private:
    static std::uint32_t load_be32(const std::uint8_t* p) {
        return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
               (std::uint32_t{p[2]} << 8) | p[3];
    }
    bool take(std::size_t n) {
        if (!ok_ || n > remaining()) {
            ok_ = false;
            return false;
        }
        pos_ += n;
        return true;
    }

    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

// Big-endian stores, for building packets (tests, synthesised packets).
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    store_be16(p, static_cast<std::uint16_t>(v >> 16));
    store_be16(p + 2, static_cast<std::uint16_t>(v));
}

}  // namespace pmacct
