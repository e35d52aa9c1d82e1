#include "pmacct/primitives/custom.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::primitives {
namespace {

constexpr std::uint16_t kMaxFixedLength = 255;

// Installed primitives and their specs (whose string_views point into `primitives`: both are
// rebuilt together and never grow otherwise).
struct Installed {
    std::vector<CustomPrimitive> primitives;
    std::vector<PrimitiveSpec> specs;
};

Installed& installed() {
    static Installed i;
    return i;
}

std::optional<CustomSemantics> semantics_from(std::string_view s) {
    if (s == "u_int") return CustomSemantics::kUint;
    if (s == "hex") return CustomSemantics::kHex;
    if (s == "ip") return CustomSemantics::kIp;
    if (s == "mac") return CustomSemantics::kMac;
    if (s == "str") return CustomSemantics::kStr;
    if (s == "raw") return CustomSemantics::kRaw;
    return std::nullopt;
}

// One entry; an empty string when valid, else why not.
std::string parse_entry(std::string_view line, CustomPrimitive& p) {
    bool has_type = false;
    bool has_len = false;
    bool has_semantics = false;
    std::istringstream words{std::string(line)};
    std::string w;
    while (words >> w) {
        const auto eq = w.find('=');
        if (eq == std::string::npos) return fmt::format("'{}' is not key=value", w);
        const std::string_view key = std::string_view(w).substr(0, eq);
        const std::string_view value = std::string_view(w).substr(eq + 1);
        if (key == "name") {
            p.name = std::string(value);
        } else if (key == "field_type") {
            std::string_view ie = value;
            if (const auto colon = value.find(':'); colon != std::string_view::npos) {
                const auto pen = parse_u64(value.substr(0, colon));
                if (!pen || *pen > 0xFFFFFFFFULL) return fmt::format("bad enterprise number in '{}'", value);
                p.pen = static_cast<std::uint32_t>(*pen);
                ie = value.substr(colon + 1);
            }
            const auto type = parse_u64(ie);
            if (!type || *type > 0xFFFF) return fmt::format("bad field_type '{}'", value);
            p.type = static_cast<std::uint16_t>(*type);
            has_type = true;
        } else if (key == "len") {
            if (value == "vlen") {
                p.vlen = true;
            } else {
                const auto len = parse_u64(value);
                if (!len || *len == 0 || *len > kMaxFixedLength) {
                    return fmt::format("len '{}' is not 1..{} or vlen", value, kMaxFixedLength);
                }
                p.len = static_cast<std::uint16_t>(*len);
            }
            has_len = true;
        } else if (key == "semantics") {
            const auto s = semantics_from(value);
            if (!s) return fmt::format("semantics '{}' is not one of u_int hex ip mac str raw", value);
            p.semantics = *s;
            has_semantics = true;
        } else if (key == "packet_ptr") {
            return "packet_ptr (primitives read from packets) is not implemented yet";
        } else {
            return fmt::format("unknown key '{}'", key);
        }
    }
    if (p.name.empty()) return "no name";
    // Built-ins newer than pmacct 1.7.7 give way to custom primitives of their name (see find()).
    for (const auto& b : all()) {
        if (b.name == p.name && (b.flags & kNewerThan177) == 0) return fmt::format("'{}' is a built-in primitive", p.name);
    }
    if (!has_type) return "no field_type";
    if (!has_len) return "no len";
    if (!has_semantics) return "no semantics";
    switch (p.semantics) {
        case CustomSemantics::kUint:
        case CustomSemantics::kHex:
            if (p.vlen || (p.len != 1 && p.len != 2 && p.len != 4 && p.len != 8)) return "u_int and hex take len 1, 2, 4 or 8";
            break;
        case CustomSemantics::kIp:
            if (p.vlen || (p.len != 4 && p.len != 16)) return "ip takes len 4 or 16";
            break;
        case CustomSemantics::kMac:
            if (p.vlen || p.len != 6) return "mac takes len 6";
            break;
        case CustomSemantics::kStr:
        case CustomSemantics::kRaw: break;
    }
    return {};
}

ValueKind kind_of(const CustomPrimitive& p) {
    switch (p.semantics) {
        case CustomSemantics::kUint:
        case CustomSemantics::kHex:
            return p.len == 1 ? ValueKind::kU8 : p.len == 2 ? ValueKind::kU16 : p.len == 4 ? ValueKind::kU32 : ValueKind::kU64;
        case CustomSemantics::kIp: return ValueKind::kIp;
        case CustomSemantics::kMac: return ValueKind::kMac;
        case CustomSemantics::kStr:
        case CustomSemantics::kRaw: return ValueKind::kString;
    }
    return ValueKind::kString;
}

}  // namespace

std::uint16_t CustomPrimitive::key_size() const {
    switch (semantics) {
        case CustomSemantics::kIp: return 17;
        case CustomSemantics::kMac: return 6;
        default: return vlen ? kCustomVlenKeySize : len;
    }
}

std::uint16_t CustomPrimitive::text_width() const {
    // What pmacct 1.7.7 pads to: the digits of the largest value (hex too), an IPv6 text buffer,
    // a MAC text buffer, the byte length of strings and raw values.
    switch (semantics) {
        case CustomSemantics::kUint:
        case CustomSemantics::kHex: return len == 1 ? 3 : len == 2 ? 5 : len == 4 ? 10 : 20;
        case CustomSemantics::kIp: return 46;
        case CustomSemantics::kMac: return 18;
        case CustomSemantics::kStr:
        case CustomSemantics::kRaw: return vlen ? 0 : len;
    }
    return 0;
}

std::string map_line(const CustomPrimitive& p) {
    static constexpr std::string_view kSemantics[] = {"u_int", "hex", "ip", "mac", "str", "raw"};
    const std::string type = p.pen != 0 ? fmt::format("{}:{}", p.pen, p.type) : fmt::format("{}", p.type);
    return fmt::format("name={} field_type={} len={} semantics={}", p.name, type,
                       p.vlen ? std::string("vlen") : std::to_string(p.len),
                       kSemantics[static_cast<std::size_t>(p.semantics)]);
}

CustomLoad parse_custom(std::string_view text) {
    CustomLoad out;
    for_each_map_line(text, [&](int line_no, std::string_view line) {
        CustomPrimitive p;
        std::string why = parse_entry(line, p);
        if (why.empty()) {
            for (const auto& q : out.primitives) {
                if (q.name == p.name) why = fmt::format("'{}' is defined twice", p.name);
            }
        }
        if (!why.empty()) {
            out.skipped.push_back({line_no, std::move(why)});
            return;
        }
        out.primitives.push_back(std::move(p));
    });
    return out;
}

CustomLoad load_custom(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        CustomLoad out;
        out.error = fmt::format("cannot read '{}'", path);
        return out;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_custom(buf.str());
}

void install_custom(std::span<const CustomPrimitive> primitives) {
    Installed& i = installed();
    i.primitives.assign(primitives.begin(), primitives.end());
    i.specs.clear();
    i.specs.reserve(i.primitives.size());
    for (const auto& p : i.primitives) {
        const std::uint8_t flags = p.vlen ? kVariableLength : 0;
        i.specs.push_back(PrimitiveSpec{p.name, Category::kMisc, "Custom primitive", kTraffic, kind_of(p), flags, p.name,
                                        p.name, p.name});
    }
}

const CustomPrimitive* custom_of(const PrimitiveSpec* spec) {
    const int i = custom_index(spec);
    return i < 0 ? nullptr : &installed().primitives[static_cast<std::size_t>(i)];
}

int custom_index(const PrimitiveSpec* spec) {
    const Installed& i = installed();
    for (std::size_t n = 0; n < i.specs.size(); ++n) {
        if (&i.specs[n] == spec) return static_cast<int>(n);
    }
    return -1;
}

std::span<const CustomPrimitive> installed_custom() { return installed().primitives; }

const PrimitiveSpec* find_custom(std::string_view name) {
    for (const auto& s : installed().specs) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

}  // namespace pmacct::primitives
