// The projected key of a plugin: the primitives of its `aggregate` laid out as fixed-size bytes,
// computed once at start-up. The core fills keys from FlowRecords (extract); plugins hash and
// compare the bytes and read values back for output. Nothing here allocates per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/primitives/registry.hpp"
#include "pmacct/record/flow_record.hpp"

namespace pmacct::aggregate {

// Writes one primitive's bytes (KeyField::size of them) from a record. `side` is 0, or 1 for
// the destination side of a sum_* primitive.
using Extractor = void (*)(const FlowRecord& r, std::uint8_t* out, int side);

struct KeyField {
    const primitives::PrimitiveSpec* spec = nullptr;
    std::uint16_t offset = 0;
    std::uint16_t size = 0;
    Extractor extract = nullptr;
    // A custom primitive: its definition and its index in FlowRecord::custom.
    const primitives::CustomPrimitive* custom = nullptr;
    std::uint16_t custom_index = 0;
};

// Byte size of a value of this kind inside a key.
std::uint16_t key_size_of(primitives::ValueKind kind);

class KeyLayout {
public:
    KeyLayout() = default;
    // From the checked names of `aggregate`. Fields are laid out in CSV output order.
    static Result<KeyLayout> build(std::span<const std::string> aggregate);

    std::size_t key_size() const { return key_size_; }
    std::span<const KeyField> fields() const { return fields_; }
    const KeyField* field(std::string_view name) const;
    bool has(std::string_view name) const { return field(name) != nullptr; }
    // sum_* layouts account each flow twice: once by its source, once by its destination.
    bool is_sum() const { return sum_; }
    // The primitive names, in layout order (what a peer needs to rebuild the same layout).
    std::vector<std::string> names() const;

    // dst_port of ICMP and ICMPv6 records becomes type << 8 | code, as NetFlow carries them
    // (the nfprobe plugin's layout).
    void set_icmp_in_dst_port();

    // Fills `out` (key_size() bytes) with the key of `r`.
    void extract(const FlowRecord& r, std::uint8_t* out, int side = 0) const;

private:
    std::vector<KeyField> fields_;
    std::size_t key_size_ = 0;
    bool sum_ = false;
};

// Writing an address (family byte, then 16 address bytes) and a timestamp (seconds, then
// microseconds) as key fields hold them.
void write_ip(std::uint8_t* out, const IpAddress& a);
inline void write_timestamp(std::uint8_t* out, const Timestamp& t) {
    std::memcpy(out, &t.sec, sizeof t.sec);
    std::memcpy(out + 8, &t.usec, sizeof t.usec);
}

// Reading a field back from key bytes.
std::uint64_t read_uint(const KeyField& f, const std::uint8_t* key);
IpAddress read_ip(const KeyField& f, const std::uint8_t* key);
MacAddress read_mac(const KeyField& f, const std::uint8_t* key);
Timestamp read_timestamp(const KeyField& f, const std::uint8_t* key);
std::string_view read_string(const KeyField& f, const std::uint8_t* key);
// The bytes of a raw custom primitive (its length byte says how many when it is vlen).
std::span<const std::uint8_t> read_raw(const KeyField& f, const std::uint8_t* key);

// What travels with each key on the ring and in the caches.
struct Counters {
    std::uint64_t bytes = 0;
    std::uint64_t packets = 0;
    std::uint64_t flows = 0;
    Timestamp time_start;  // decides the time-bin
    Timestamp time_end;
    std::uint8_t tcp_flags = 0;         // OR of the flows' (tcpflags is not part of the key)
    std::uint8_t tunnel_tcp_flags = 0;  // the same for tunnel_tcpflags
    FlowType flow_type = FlowType::kIpv4;
};

}  // namespace pmacct::aggregate
