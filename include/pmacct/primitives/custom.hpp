// Custom primitives (`aggregate_primitives`): a file of `name=… field_type=[<PEN>:]<IE> len=…
// semantics=…` entries that make NetFlow v9/IPFIX elements usable in `aggregate` like built-in
// primitives. Loaded once at start-up (pmacct does not reload them) and installed process-wide
// before plugins fork, so every part finds them through primitives::find().
//
//   auto loaded = primitives::load_custom("/etc/pmacct/primitives.lst");
//   for (const auto& s : loaded.skipped) warn(s.line, s.why);   // bad entries are left out
//   primitives::install_custom(loaded.primitives);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/primitives/registry.hpp"

namespace pmacct::primitives {

enum class CustomSemantics : std::uint8_t { kUint, kHex, kIp, kMac, kStr, kRaw };

// Key bytes of a variable-length (`len=vlen`) custom primitive: a length byte, then the value.
inline constexpr std::uint16_t kCustomVlenKeySize = 64;

struct CustomPrimitive {
    std::string name;
    std::uint32_t pen = 0;    // private enterprise number, 0 for IANA elements
    std::uint16_t type = 0;   // information element id
    std::uint16_t len = 0;    // bytes of the value; 0 with vlen
    bool vlen = false;        // `len=vlen`: as long as the element is, up to 63 bytes
    CustomSemantics semantics = CustomSemantics::kUint;

    // Bytes the value takes in a key (IP addresses take the 17 bytes of an IpAddress key).
    std::uint16_t key_size() const;
    // `formatted` output: the value's column width before the name is considered.
    std::uint16_t text_width() const;
};

struct CustomLoad {
    struct Skipped {
        int line = 0;
        std::string why;
    };
    std::vector<CustomPrimitive> primitives;
    std::vector<Skipped> skipped;  // entries left out, and why
    std::string error;             // the file cannot be read
};

CustomLoad load_custom(const std::string& path);
// Parses file content.
CustomLoad parse_custom(std::string_view text);
// The aggregate_primitives line that defines `p` ("name=... field_type=... len=... semantics=...").
std::string map_line(const CustomPrimitive& p);

// Makes the primitives known to find() (replacing any installed before). Not thread-safe:
// call at start-up.
void install_custom(std::span<const CustomPrimitive> primitives);
// The custom primitive behind a spec find() returned, nullptr for built-in primitives.
const CustomPrimitive* custom_of(const PrimitiveSpec* spec);
// Position of an installed custom primitive (what decoders index their values by), -1 if not.
int custom_index(const PrimitiveSpec* spec);
std::span<const CustomPrimitive> installed_custom();
// find() for installed custom primitives only.
const PrimitiveSpec* find_custom(std::string_view name);

}  // namespace pmacct::primitives
