#include "pmacct/maps/flow_lookups.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"
#include "pmacct/log/log.hpp"

namespace pmacct::maps {
namespace {

// Key bytes as KeyLayout lays them out (see read_ip / read_uint).
void put_ip(std::uint8_t* key, int at, const IpAddress& a) {
    key[at] = a.family;
    std::memcpy(key + at + 1, a.bytes.data(), a.bytes.size());
}
template <typename T>
void put(std::uint8_t* key, int at, T v) {
    std::memcpy(key + at, &v, sizeof v);
}

// Where `name` sits in the key when its size is `size`; -1 when the key has no such field.
int offset_of(const aggregate::KeyLayout& layout, std::string_view name, std::size_t size) {
    const aggregate::KeyField* f = layout.field(name);
    return f != nullptr && f->extract != nullptr && f->size == size ? f->offset : -1;
}

constexpr std::size_t kIpSize = 17;

std::string describe(const config::Settings& s, std::string_view key, std::string_view message) {
    config::Diagnostic d{
        config::Diagnostic::Severity::kError, {}, std::string(key), std::string(message)};
    if (const config::Origin* o = s.origin(key); o != nullptr) d.where = *o;
    return d.text();
}

std::atomic<bool> routing_warned{false};

}  // namespace

struct FlowLookups::Resolved {
    const NetworkEntry* entry = nullptr;
    std::uint8_t mask = 0;
    bool net_from_file = false;
    bool as_from_file = false;
    bool filtered = false;  // networks_file_filter: no network of the file holds the address
};

Result<std::unique_ptr<FlowLookups>> FlowLookups::for_plugin(Daemon daemon,
                                                             const config::PluginInstance& p,
                                                             const aggregate::KeyLayout& layout) {
    const config::Settings& s = p.settings;
    auto lk = std::unique_ptr<FlowLookups>(new FlowLookups());
    lk->plugin_ = fmt::format("{}/{}", p.name, p.type);
    Offsets& at = lk->at_;
    at.host[0] = offset_of(layout, "src_host", kIpSize);
    at.host[1] = offset_of(layout, "dst_host", kIpSize);
    at.net[0] = offset_of(layout, "src_net", kIpSize);
    at.net[1] = offset_of(layout, "dst_net", kIpSize);
    at.mask[0] = offset_of(layout, "src_mask", 1);
    at.mask[1] = offset_of(layout, "dst_mask", 1);
    at.as[0] = offset_of(layout, "src_as", 4);
    at.as[1] = offset_of(layout, "dst_as", 4);
    at.peer_as[0] = offset_of(layout, "peer_src_as", 4);
    at.peer_as[1] = offset_of(layout, "peer_dst_as", 4);
    at.port[0] = offset_of(layout, "src_port", 2);
    at.port[1] = offset_of(layout, "dst_port", 2);
    at.sum_host =
        std::max(offset_of(layout, "sum_host", kIpSize), offset_of(layout, "sum", kIpSize));
    at.sum_net = offset_of(layout, "sum_net", kIpSize);
    at.sum_as = offset_of(layout, "sum_as", 4);
    at.sum_port = offset_of(layout, "sum_port", 2);
    at.peer_dst_ip = offset_of(layout, "peer_dst_ip", kIpSize);
    at.proto = offset_of(layout, "proto", 1);
    at.tos = offset_of(layout, "tos", 1);

    const bool flow_daemon = daemon == Daemon::kNfacctd || daemon == Daemon::kSfacctd;
    const std::string net_key = fmt::format("{}_net", daemon_name(daemon));
    const std::string as_key = fmt::format("{}_as", daemon_name(daemon));
    auto sources = [&](const std::string& key, std::uint8_t unset) {
        if (!s.is_set(key)) return unset;
        std::uint8_t bits = 0;
        const std::string methods = s.get_string(key);
        for (std::string_view v : split(methods, ',')) {
            const std::string name = to_lower(v);
            if (name == "netflow" || name == "sflow") bits |= kSourceExport;
            if (name == "mask") bits |= kSourceMask;
            if (name == "file") bits |= kSourceFile;
            if (name == "longest" || name == "fallback") bits |= kSourceLongest | kSourceExport;
            if (name == "bgp" || name == "bmp" || name == "igp" || name == "bgp-ls")
                bits |= kSourceRouting;
        }
        return bits;
    };
    const bool has_file = s.is_set("networks_file");
    const bool has_mask = s.is_set("networks_mask");
    const std::uint8_t capture_default =
        static_cast<std::uint8_t>((has_mask ? kSourceMask : 0) | (has_file ? kSourceFile : 0));
    lk->net_source_ = sources(net_key, flow_daemon ? std::uint8_t{kSourceExport} : capture_default);
    lk->as_source_ = sources(as_key, kSourceExport);
    lk->networks_mask_ = static_cast<std::uint8_t>(s.get_uint("networks_mask"));
    lk->filter_ = has_file && s.get_bool("networks_file_filter");
    lk->no_lpm_ = s.get_bool("networks_file_no_lpm");
    lk->no_mask_if_zero_ = s.get_bool("networks_no_mask_if_zero");
    lk->tos_as_dscp_ = s.get_bool("tos_encode_as_dscp");

    const bool net_fields = at.net[0] >= 0 || at.net[1] >= 0 || at.mask[0] >= 0 ||
                            at.mask[1] >= 0 || at.sum_net >= 0 || at.peer_dst_ip >= 0;
    const bool as_fields = at.as[0] >= 0 || at.as[1] >= 0 || at.peer_as[0] >= 0 ||
                           at.peer_as[1] >= 0 || at.sum_as >= 0;
    if (((lk->net_source_ | lk->as_source_) & kSourceRouting) != 0 &&
        !routing_warned.exchange(true)) {
        log::warn(
            "{} / {}: bgp, bmp and igp need the BGP, BMP or IS-IS daemon, not in pmacct-ng yet: "
            "they give no network and no ASN",
            net_key, as_key);
    }
    if (net_fields && (lk->net_source_ & kSourceFile) != 0 && !has_file && !has_mask) {
        return fail(describe(s, net_key, "'file' needs a networks_file"));
    }
    if (net_fields && (lk->net_source_ & kSourceMask) != 0 && !has_mask) {
        return fail(describe(s, net_key, "'mask' needs a networks_mask"));
    }
    if (as_fields && (lk->as_source_ & kSourceFile) != 0 && !has_file) {
        return fail(describe(s, as_key, "'file' needs a networks_file"));
    }

    // Which sides need a network resolved; nothing at all: no lookups for this plugin.
    const bool networks_used =
        (lk->net_source_ & ~kSourceExport) != 0 || lk->no_mask_if_zero_ ||
        (has_file && ((lk->as_source_ & ~kSourceExport) != 0 || lk->filter_)) ||
        (lk->as_source_ & kSourceRouting) != 0;
    if (networks_used) {
        for (int i = 0; i < 2; ++i) {
            const bool host = lk->filter_ && (at.host[i] >= 0 || at.sum_host >= 0);
            lk->resolve_side_[i] = host || at.net[i] >= 0 || at.mask[i] >= 0 || at.as[i] >= 0 ||
                                   at.peer_as[i] >= 0 || at.sum_net >= 0 || at.sum_as >= 0 ||
                                   (i == 1 && at.peer_dst_ip >= 0);
        }
    }
    const bool file_used = (lk->resolve_side_[0] || lk->resolve_side_[1]) && has_file &&
                           ((lk->net_source_ & (kSourceFile | kSourceLongest)) != 0 ||
                            (lk->as_source_ & (kSourceFile | kSourceLongest)) != 0 || lk->filter_);
    if (file_used) lk->networks_path_ = s.get_string("networks_file");
    if (at.port[0] >= 0 || at.port[1] >= 0 || at.sum_port >= 0)
        lk->ports_path_ = s.get_string("ports_file");
    if (at.proto >= 0) lk->protos_path_ = s.get_string("protos_file");
    if (at.tos >= 0) lk->tos_path_ = s.get_string("tos_file");
    if (!lk->resolve_side_[0] && !lk->resolve_side_[1] && lk->ports_path_.empty() &&
        lk->protos_path_.empty() && lk->tos_path_.empty()) {
        return std::unique_ptr<FlowLookups>();
    }
    if (auto r = lk->load_files(false); !r) {
        return fail(r.error());
    }
    return lk;
}

Result<std::vector<std::unique_ptr<FlowLookups>>> FlowLookups::for_config(
    const config::Config& cfg) {
    std::vector<std::unique_ptr<FlowLookups>> out;
    std::string errors;
    for (const auto& p : cfg.plugins) {
        auto layout = aggregate::KeyLayout::build(p.aggregate);
        if (!layout) return fail(fmt::format("plugin {}[{}]: {}", p.type, p.name, layout.error()));
        auto lk = for_plugin(cfg.daemon, p, *layout);
        if (!lk) {
            errors += errors.empty() ? lk.error() : "\n" + lk.error();
            continue;
        }
        out.push_back(std::move(*lk));
    }
    if (!errors.empty()) return fail(errors);
    return out;
}

Result<void> FlowLookups::load_files(bool reloading) {
    struct File {
        const char* key;
        const std::string& path;
    };
    const File files[] = {{"networks_file", networks_path_},
                          {"ports_file", ports_path_},
                          {"protos_file", protos_path_},
                          {"tos_file", tos_path_}};
    for (const File& f : files) {
        if (f.path.empty()) continue;
        auto text = read_map_file(f.path);
        if (!text) {
            if (!reloading) return fail(fmt::format("{}: {}", f.key, text.error()));
            log::error("{}: {}; keeping the previous content", f.key, text.error());
            continue;
        }
        std::vector<SkippedLine> skipped;
        const std::string_view key = f.key;
        if (key == "networks_file") {
            networks_ = std::make_unique<NetworksTable>(NetworksTable::parse(*text, skipped));
        } else if (key == "ports_file") {
            ports_ = std::make_unique<PortList>(parse_ports(*text, skipped));
        } else if (key == "protos_file") {
            protos_ = std::make_unique<ByteList>(parse_protos(*text, skipped));
        } else {
            tos_ = std::make_unique<ByteList>(parse_tos(*text, skipped));
        }
        for (const SkippedLine& l : skipped)
            log::warn("{}:{}: {}: {}; skipped", f.path, l.line, f.key, l.why);
        log::info("[{}] map successfully (re)loaded for plugin {}.", f.path, plugin_);
    }
    return ok();
}

void FlowLookups::reload() {
    (void)load_files(true);
}

FlowLookups::Resolved FlowLookups::resolve(const IpAddress& a, std::uint8_t export_mask) const {
    Resolved out;
    if (networks_ != nullptr) out.entry = networks_->lookup(a);
    const NetworkEntry* e = out.entry;
    const bool file_wins = e != nullptr && (no_lpm_ || e->length >= export_mask);
    const std::uint8_t mask = std::min<std::uint8_t>(networks_mask_, a.family == 6 ? 128 : 32);
    if ((net_source_ & kSourceLongest) != 0) {
        out.net_from_file = file_wins;
        out.mask = file_wins ? e->length : export_mask;
    } else if ((net_source_ & kSourceFile) != 0 &&
               (e != nullptr || (net_source_ & kSourceMask) == 0)) {
        out.net_from_file = true;
        out.mask = e != nullptr ? e->length : 0;
    } else if ((net_source_ & kSourceMask) != 0) {
        out.mask = mask;
    } else if ((net_source_ & kSourceExport) != 0) {
        out.mask = export_mask;
    }
    if ((as_source_ & kSourceLongest) != 0) {
        out.as_from_file = file_wins;
    } else if ((as_source_ & kSourceFile) != 0) {
        out.as_from_file = true;
    }
    out.filtered = filter_ && e == nullptr;
    return out;
}

void FlowLookups::write_side(const FlowRecord& r, std::uint8_t* key, bool source,
                             int sum_side) const {
    const int i = source ? 0 : 1;
    const bool sum = sum_side == i;
    const IpAddress& ip = source ? r.src_ip : r.dst_ip;
    const Resolved res = resolve(ip, source ? r.src_mask : r.dst_mask);
    const NetworkEntry* e = res.entry;
    IpAddress net;
    if (res.filtered) {
        net.family = ip.family;
        if (at_.host[i] >= 0) put_ip(key, at_.host[i], net);
        if (sum && at_.sum_host >= 0) put_ip(key, at_.sum_host, net);
    } else {
        net = res.mask == 0 && no_mask_if_zero_ ? ip : ip.masked(res.mask);
    }
    if (at_.net[i] >= 0) put_ip(key, at_.net[i], net);
    if (sum && at_.sum_net >= 0) put_ip(key, at_.sum_net, net);
    if (at_.mask[i] >= 0) put(key, at_.mask[i], res.mask);
    // ASNs: from the file when it decides, none from a routing daemon that is not there, else
    // the record's (already in the key).
    const bool as_none = (as_source_ & (kSourceExport | kSourceFile | kSourceLongest)) == 0;
    if (res.as_from_file || as_none) {
        const std::uint32_t origin = e != nullptr && !as_none ? e->origin_as : 0;
        const std::uint32_t peer = e != nullptr && !as_none ? e->peer_as : 0;
        if (at_.as[i] >= 0) put(key, at_.as[i], origin);
        if (sum && at_.sum_as >= 0) put(key, at_.sum_as, origin);
        if (at_.peer_as[i] >= 0) put(key, at_.peer_as[i], peer);
    }
    if (!source && res.net_from_file && at_.peer_dst_ip >= 0) {
        put_ip(key, at_.peer_dst_ip, e != nullptr ? e->next_hop : IpAddress{});
    }
}

void FlowLookups::apply(const FlowRecord& r, std::uint8_t* key, int side) const {
    // A sum_* key (side 0: the source, side 1: the destination) needs only its own side
    // resolved when it has no src_* / dst_* field.
    const bool sums = at_.sum_net >= 0 || at_.sum_as >= 0 || (filter_ && at_.sum_host >= 0);
    for (int i = 0; i < 2; ++i) {
        if (!resolve_side_[i]) continue;
        const bool own = at_.net[i] >= 0 || at_.mask[i] >= 0 || at_.as[i] >= 0 ||
                         at_.peer_as[i] >= 0 || (filter_ && at_.host[i] >= 0) ||
                         (i == 1 && at_.peer_dst_ip >= 0);
        if (own || (sums && side == i)) write_side(r, key, i == 0, sums ? side : -1);
    }
    if (ports_ != nullptr) {
        if (at_.port[0] >= 0 && !ports_->contains(r.src_port)) put(key, at_.port[0], kOtherPort);
        if (at_.port[1] >= 0 && !ports_->contains(r.dst_port)) put(key, at_.port[1], kOtherPort);
        if (at_.sum_port >= 0 && !ports_->contains(side == 0 ? r.src_port : r.dst_port)) {
            put(key, at_.sum_port, kOtherPort);
        }
    }
    if (protos_ != nullptr && at_.proto >= 0 && !protos_->contains(r.proto))
        put(key, at_.proto, kOtherProto);
    if (tos_ != nullptr && at_.tos >= 0 &&
        !tos_->contains(tos_as_dscp_ ? std::size_t{r.tos} >> 2 : std::size_t{r.tos})) {
        put(key, at_.tos, kOtherTos);
    }
}

}  // namespace pmacct::maps
