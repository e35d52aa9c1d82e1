// NetFlow v9 / IPFIX datagrams written by hand, for tests that need records no capture has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pmacct::testing {

// Builds NetFlow v9 / IPFIX datagrams: a header, then sets whose lengths are patched on close.
class Datagram {
public:
    explicit Datagram(std::uint16_t version, std::uint32_t source_id = 7, std::uint32_t sequence = 1)
        : version_(version) {
        u16(version);
        u16(0);  // v9: count; IPFIX: length (patched in bytes())
        if (version == 9) u32(100000);  // sysUptime, ms
        u32(1700000000);                // unix_secs
        u32(sequence);
        u32(source_id);
    }
    Datagram& u8(std::uint8_t v) {
        b_.push_back(v);
        return *this;
    }
    Datagram& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
    Datagram& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); }
    Datagram& u64(std::uint64_t v) { return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v)); }
    Datagram& ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return u8(a).u8(b).u8(c).u8(d); }
    // `text` in a field of `len` bytes, zero-padded.
    Datagram& str(const char* text, std::size_t len) {
        for (std::size_t i = 0; i < len; ++i) u8(text[0] != '\0' ? static_cast<std::uint8_t>(*text++) : 0);
        return *this;
    }
    Datagram& open_set(std::uint16_t id) {
        set_at_ = b_.size();
        return u16(id).u16(0);
    }
    Datagram& close_set() {
        const std::size_t len = b_.size() - set_at_;
        b_[set_at_ + 2] = static_cast<std::uint8_t>(len >> 8);
        b_[set_at_ + 3] = static_cast<std::uint8_t>(len);
        return *this;
    }
    std::vector<std::uint8_t> bytes() const {
        std::vector<std::uint8_t> out = b_;
        if (version_ == 10) {
            out[2] = static_cast<std::uint8_t>(out.size() >> 8);
            out[3] = static_cast<std::uint8_t>(out.size());
        }
        return out;
    }

private:
    std::uint16_t version_;
    std::vector<std::uint8_t> b_;
    std::size_t set_at_ = 0;
};

}  // namespace pmacct::testing
