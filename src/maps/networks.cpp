#include "pmacct/maps/networks.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::maps {
namespace {

using Key6 = NetworksTable::Key6;

// Last address of a network: the host bits set.
std::uint32_t range_end(std::uint32_t start, std::uint8_t length) {
    const unsigned host_bits = 32U - length;
    return host_bits == 32 ? std::numeric_limits<std::uint32_t>::max()
                           : start | ((std::uint32_t{1} << host_bits) - 1U);
}
Key6 range_end(Key6 start, std::uint8_t length) {
    auto low_bits = [](unsigned host_bits) {  // host_bits in 0..64
        return host_bits >= 64 ? std::numeric_limits<std::uint64_t>::max()
                               : (std::uint64_t{1} << host_bits) - 1U;
    };
    if (length >= 64) return {start.hi, start.lo | low_bits(128U - length)};
    return {start.hi | low_bits(64U - length), std::numeric_limits<std::uint64_t>::max()};
}
bool is_last(std::uint32_t k) {
    return k == std::numeric_limits<std::uint32_t>::max();
}
bool is_last(const Key6& k) {
    return k.hi == std::numeric_limits<std::uint64_t>::max() &&
           k.lo == std::numeric_limits<std::uint64_t>::max();
}
std::uint32_t next(std::uint32_t k) {
    return k + 1U;
}
Key6 next(Key6 k) {
    ++k.lo;
    if (k.lo == 0) ++k.hi;
    return k;
}

// "65500" or "64512_65500": origin AS and peer AS.
bool parse_as(std::string_view text, NetworkEntry& e) {
    const auto us = text.find('_');
    auto one = [](std::string_view s, std::uint32_t& out) {
        if (s.empty()) return true;  // an empty AS is AS 0, as in pmacct ("10.0.0.1,,10.1.0.0/16")
        const auto v = parse_decimal(s);
        if (!v || *v > std::numeric_limits<std::uint32_t>::max()) return false;
        out = static_cast<std::uint32_t>(*v);
        return true;
    };
    if (us == std::string_view::npos) return one(text, e.origin_as);
    return one(text.substr(0, us), e.peer_as) && one(text.substr(us + 1), e.origin_as);
}

// Spaces anywhere in a line are ignored, as pmacct does.
std::string without_spaces(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    for (char c : line) {
        if (c != ' ' && c != '\t') out.push_back(c);
    }
    return out;
}

}  // namespace

template <typename K>
NetworksTable::Ranges<K> NetworksTable::flatten(std::vector<Prefix<K>>& prefixes,
                                                std::vector<SkippedLine>& skipped) {
    // Containing networks before the networks they contain; the same network twice: the first
    // line counts.
    std::stable_sort(prefixes.begin(), prefixes.end(), [](const Prefix<K>& a, const Prefix<K>& b) {
        return a.start != b.start ? a.start < b.start : a.length < b.length;
    });
    Ranges<K> out;
    auto emit = [&out](const K& start, std::int32_t entry) {
        if (!out.starts.empty() && out.starts.back() == start) {
            out.entry.back() = entry;
        } else if (out.entry.empty() ? entry >= 0 : out.entry.back() != entry) {
            out.starts.push_back(start);
            out.entry.push_back(entry);
        }
    };
    // Networks either nest or are disjoint: the open ones form a stack, innermost on top.
    std::vector<const Prefix<K>*> open;
    auto close_until = [&](const K* before) {
        while (!open.empty() && (before == nullptr || open.back()->end < *before)) {
            const Prefix<K>* top = open.back();
            open.pop_back();
            if (!is_last(top->end)) emit(next(top->end), open.empty() ? -1 : open.back()->entry);
        }
    };
    const Prefix<K>* previous = nullptr;
    for (const auto& p : prefixes) {
        if (previous != nullptr && previous->start == p.start && previous->length == p.length) {
            skipped.push_back(
                {p.line, fmt::format("the same network as line {}; the first one is used",
                                     previous->line)});
            continue;
        }
        previous = &p;
        close_until(&p.start);
        emit(p.start, p.entry);
        open.push_back(&p);
    }
    close_until(nullptr);
    return out;
}

NetworksTable NetworksTable::parse(std::string_view text, std::vector<SkippedLine>& skipped) {
    NetworksTable t;
    std::vector<Prefix<std::uint32_t>> v4;
    std::vector<Prefix<Key6>> v6;
    for_each_map_line(text, [&](int line_no, std::string_view raw) {
        const std::string line = without_spaces(raw);
        const std::vector<std::string_view> fields = split(line, ',');
        if (fields.size() > 3) {
            skipped.push_back({line_no, fmt::format("too many fields in '{}'", line)});
            return;
        }
        const std::string_view net = fields.back();
        const auto slash = net.find('/');
        if (slash == std::string_view::npos) {
            skipped.push_back({line_no, fmt::format("missing '/' separator in '{}'", line)});
            return;
        }
        IpAddress address;
        if (!IpAddress::parse(net.substr(0, slash), address)) {
            skipped.push_back({line_no, fmt::format("invalid network '{}'", net.substr(0, slash))});
            return;
        }
        const unsigned max_bits = address.family == 4 ? 32 : 128;
        const auto bits = parse_decimal(net.substr(slash + 1));
        if (!bits || *bits > max_bits) {
            skipped.push_back(
                {line_no, fmt::format("invalid network mask '{}'", net.substr(slash + 1))});
            return;
        }
        NetworkEntry e;
        e.length = static_cast<std::uint8_t>(*bits);
        if (fields.size() >= 2 && !parse_as(fields[fields.size() - 2], e)) {
            skipped.push_back({line_no, fmt::format("invalid AS '{}'", fields[fields.size() - 2])});
            return;
        }
        if (fields.size() == 3 && !fields[0].empty() && !IpAddress::parse(fields[0], e.next_hop)) {
            skipped.push_back({line_no, fmt::format("invalid BGP next hop '{}'", fields[0])});
            return;
        }
        const auto index = static_cast<std::int32_t>(t.entries_.size());
        t.entries_.push_back(e);
        const IpAddress start = address.masked(e.length);
        if (address.family == 4) {
            const std::uint32_t k = load_v4(start);
            v4.push_back({k, range_end(k, e.length), e.length, index, line_no});
        } else {
            const Key6 k = load_v6(start);
            v6.push_back({k, range_end(k, e.length), e.length, index, line_no});
        }
    });
    t.v4_ = flatten(v4, skipped);
    t.v6_ = flatten(v6, skipped);
    std::sort(skipped.begin(), skipped.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    return t;
}

Result<std::string> read_map_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(fmt::format("cannot read '{}'", path));
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

Result<NetworksTable> NetworksTable::load(const std::string& path,
                                          std::vector<SkippedLine>& skipped) {
    auto text = read_map_file(path);
    if (!text) return fail(text.error());
    return parse(*text, skipped);
}

}  // namespace pmacct::maps
