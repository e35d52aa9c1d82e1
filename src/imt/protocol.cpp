#include "pmacct/imt/protocol.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::imt {
namespace {

constexpr std::array<std::string_view, 8> kOps = {"stats", "match", "counter", "erase",
                                                  "status", "erase_time", "class", "custom"};

// Splits "key: value" lines up to the empty line; returns the length consumed.
Result<std::size_t> parse_lines(std::string_view data, std::string& first,
                                std::vector<std::pair<std::string, std::string>>& fields) {
    std::size_t pos = 0;
    bool have_first = false;
    while (true) {
        auto nl = data.find('\n', pos);
        if (nl == std::string_view::npos) return fail("incomplete message");
        std::string_view line = data.substr(pos, nl - pos);
        pos = nl + 1;
        if (!have_first) {
            first = std::string(line);
            have_first = true;
            continue;
        }
        if (line.empty()) return pos;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return fail(fmt::format("malformed line '{}'", line));
        fields.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
}

}  // namespace

std::string_view op_name(Op op) { return kOps[static_cast<std::size_t>(op)]; }

std::string encode(const Request& r) {
    std::string out = fmt::format("{} {}\nop: {}\n", kMagic, kVersion, op_name(r.op));
    if (!r.primitives.empty()) out += fmt::format("primitives: {}\n", join(r.primitives, ','));
    for (const auto& q : r.queries) out += fmt::format("query: {}\n", q);
    if (r.reset) out += "reset: true\n";
    out += '\n';
    return out;
}

Result<Request> decode_request(std::string_view text) {
    std::string first;
    std::vector<std::pair<std::string, std::string>> fields;
    auto n = parse_lines(text, first, fields);
    if (!n) return fail(n.error());
    if (first != fmt::format("{} {}", kMagic, kVersion)) {
        return fail(fmt::format("unsupported protocol '{}' (this plugin speaks {} {})", first, kMagic, kVersion));
    }
    Request r;
    bool have_op = false;
    for (const auto& [k, v] : fields) {
        if (k == "op") {
            auto it = std::find(kOps.begin(), kOps.end(), v);
            if (it == kOps.end()) return fail(fmt::format("unknown operation '{}'", v));
            r.op = static_cast<Op>(it - kOps.begin());
            have_op = true;
        } else if (k == "primitives") {
            for (auto p : split(v, ',')) r.primitives.emplace_back(p);
        } else if (k == "query") {
            r.queries.push_back(v);
        } else if (k == "reset") {
            r.reset = v == "true";
        }
    }
    if (!have_op) return fail("no operation in the request");
    return r;
}

std::string ReplyHeader::value(std::string_view key) const {
    for (const auto& [k, v] : extra) {
        if (k == key) return v;
    }
    return {};
}

std::string encode(const ReplyHeader& h) {
    if (!h.ok) return fmt::format("{} {} ERROR {}\n\n", kMagic, kVersion, h.error);
    std::string out = fmt::format("{} {} OK\n", kMagic, kVersion);
    if (!h.layout.empty()) out += fmt::format("layout: {}\n", join(h.layout, ','));
    for (const auto& c : h.custom) out += fmt::format("custom: {}\n", c);
    out += fmt::format("record_size: {}\nsections: {}\n", h.record_size, h.sections);
    for (const auto& [k, v] : h.extra) out += fmt::format("{}: {}\n", k, v);
    out += '\n';
    return out;
}

Result<ReplyHeader> decode_reply_header(std::string_view data, std::size_t& consumed) {
    std::string first;
    std::vector<std::pair<std::string, std::string>> fields;
    auto n = parse_lines(data, first, fields);
    if (!n) return fail(n.error());
    consumed = *n;
    ReplyHeader h;
    const std::string ok_line = fmt::format("{} {} OK", kMagic, kVersion);
    const std::string err_prefix = fmt::format("{} {} ERROR ", kMagic, kVersion);
    if (first.rfind(err_prefix, 0) == 0) {
        h.ok = false;
        h.error = first.substr(err_prefix.size());
        return h;
    }
    if (first != ok_line) return fail(fmt::format("unexpected reply '{}'", first));
    for (const auto& [k, v] : fields) {
        if (k == "layout") {
            for (auto p : split(v, ',')) h.layout.emplace_back(p);
        } else if (k == "custom") {
            h.custom.push_back(v);
        } else if (k == "record_size") {
            h.record_size = parse_u64(v).value_or(0);
        } else if (k == "sections") {
            h.sections = parse_u64(v).value_or(0);
        } else {
            h.extra.emplace_back(k, v);
        }
    }
    return h;
}

}  // namespace pmacct::imt
