// Values of primitives written as text (pmacct client queries: -M / -N values), turned into the
// key bytes of a field so that matching is a byte comparison.
#pragma once

#include <cstdint>
#include <string_view>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/base/result.hpp"

namespace pmacct::aggregate {

// Writes the bytes of `text` as a value of `field` into `out` (field.size bytes). Numbers in
// decimal (protocol names are the caller's business: see output::protocol_number); addresses as IPv4/IPv6; MACs as aa:bb:cc:dd:ee:ff;
// timestamps as epoch seconds.
Result<void> parse_key_value(const KeyField& field, std::string_view text, std::uint8_t* out);

}  // namespace pmacct::aggregate
