#include "pmacct/aggregate/key_values.hpp"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::aggregate {
namespace {

using primitives::ValueKind;

bool parse_mac(std::string_view text, std::uint8_t* out) {
    auto parts = split(text, ':');
    if (parts.size() != 6) return false;
    for (std::size_t i = 0; i < 6; ++i) {
        if (parts[i].empty() || parts[i].size() > 2) return false;
        unsigned v = 0;
        for (char c : parts[i]) {
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= static_cast<unsigned>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= static_cast<unsigned>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v |= static_cast<unsigned>(c - 'A' + 10);
            } else {
                return false;
            }
        }
        out[i] = static_cast<std::uint8_t>(v);
    }
    return true;
}

std::optional<std::uint64_t> parse_hex(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

Result<void> parse_key_value(const KeyField& field, std::string_view text, std::uint8_t* out) {
    const auto kind = field.spec->kind;
    const std::string_view name = field.spec->name;
    switch (kind) {
        case ValueKind::kU8:
        case ValueKind::kU16:
        case ValueKind::kU32:
        case ValueKind::kU64: {
            // The pmacct client reads etype in hexadecimal, as it prints it ("86dd", "0x86dd").
            const std::optional<std::uint64_t> v = name == "etype" ? parse_hex(text) : parse_u64(text);
            const std::uint64_t limit = field.size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * field.size)) - 1;
            if (!v || *v > limit) return fail(fmt::format("'{}' is not a valid {}", text, name));
            std::uint64_t n = *v;
            switch (field.size) {
                case 1: out[0] = static_cast<std::uint8_t>(n); break;
                case 2: {
                    auto x = static_cast<std::uint16_t>(n);
                    std::memcpy(out, &x, 2);
                    break;
                }
                case 4: {
                    auto x = static_cast<std::uint32_t>(n);
                    std::memcpy(out, &x, 4);
                    break;
                }
                default: std::memcpy(out, &n, 8); break;
            }
            return ok();
        }
        case ValueKind::kIp: {
            IpAddress a;
            if (!IpAddress::parse(text, a)) return fail(fmt::format("'{}' is not an IP address", text));
            out[0] = a.family;
            std::memcpy(out + 1, a.bytes.data(), 16);
            return ok();
        }
        case ValueKind::kMac:
            if (!parse_mac(text, out)) return fail(fmt::format("'{}' is not a MAC address", text));
            return ok();
        case ValueKind::kTimestamp: {
            auto secs = parse_i64(text);
            if (!secs) return fail(fmt::format("'{}' is not a timestamp in seconds", text));
            std::int64_t s = *secs;
            std::uint32_t us = 0;
            std::memcpy(out, &s, 8);
            std::memcpy(out + 8, &us, 4);
            return ok();
        }
        case ValueKind::kString: {
            if (text.size() >= field.size) return fail(fmt::format("'{}' is too long for {}", text, name));
            std::memset(out, 0, field.size);
            std::memcpy(out, text.data(), text.size());
            return ok();
        }
        default: return fail(fmt::format("{} cannot be matched yet", name));
    }
}

}  // namespace pmacct::aggregate
