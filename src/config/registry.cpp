#include "pmacct/config/registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "key_tables.hpp"
#include "pmacct/base/files.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"
#include "pmacct/log/log.hpp"

namespace pmacct::config {

KeyRegistry::KeyRegistry() {
    for (auto table : {tables::core_keys(), tables::plugin_keys(), tables::collector_keys(),
                       tables::bgp_keys(), tables::bmp_telemetry_keys()}) {
        for (const KeySpec& k : table) settings_.push_back(&k);
    }
    for (std::size_t i = 0; i < settings_.size(); ++i) {
        for (auto name : key_names(*settings_[i])) by_name_.emplace_back(name, i);
    }
    std::sort(by_name_.begin(), by_name_.end());
}

const KeyRegistry& KeyRegistry::instance() {
    static const KeyRegistry registry;
    return registry;
}

std::size_t KeyRegistry::index_of(std::string_view name) const {
    auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                               [](const auto& e, std::string_view n) { return e.first < n; });
    if (it == by_name_.end() || it->first != name) return settings_.size();
    return it->second;
}

const KeySpec* KeyRegistry::find(std::string_view name) const {
    std::size_t i = index_of(name);
    return i < settings_.size() ? settings_[i] : nullptr;
}

std::vector<std::string_view> key_names(const KeySpec& k) {
    std::vector<std::string_view> out;
    std::string_view rest = k.names;
    while (!rest.empty()) {
        auto sp = rest.find(' ');
        out.push_back(rest.substr(0, sp));
        if (sp == std::string_view::npos) break;
        rest = rest.substr(sp + 1);
    }
    return out;
}

std::string_view canonical_name(const KeySpec& k) { return k.names.substr(0, k.names.find(' ')); }

std::string_view value_type_name(ValueType t) {
    switch (t) {
        case ValueType::kBool: return "boolean";
        case ValueType::kUInt: return "unsigned integer";
        case ValueType::kInt: return "integer";
        case ValueType::kSeconds: return "duration";
        case ValueType::kHistory: return "time-bin";
        case ValueType::kRoundoff: return "roundoff";
        case ValueType::kString: return "string";
        case ValueType::kPath: return "path";
        case ValueType::kEnum: return "one of";
        case ValueType::kEnumList: return "list of";
        case ValueType::kPrimitives: return "primitives";
        case ValueType::kPlugins: return "plugins";
        case ValueType::kIpAddress: return "IP address";
        case ValueType::kHostPort: return "host[:port]";
        case ValueType::kOctal: return "octal";
        case ValueType::kUser: return "user";
        case ValueType::kGroup: return "group";
        case ValueType::kFacility: return "syslog facility";
        case ValueType::kFilter: return "filter";
    }
    return "value";
}

namespace {

bool is_choice(const KeySpec& k, std::string_view word) {
    std::string_view rest = k.choices;
    while (!rest.empty()) {
        auto sp = rest.find(' ');
        if (iequals(rest.substr(0, sp), word)) return true;
        if (sp == std::string_view::npos) break;
        rest = rest.substr(sp + 1);
    }
    return false;
}

std::string choices_text(const KeySpec& k) {
    std::string out;
    std::string_view rest = k.choices;
    while (!rest.empty()) {
        auto sp = rest.find(' ');
        if (!out.empty()) out += sp == std::string_view::npos ? " or " : ", ";
        out += rest.substr(0, sp);
        if (sp == std::string_view::npos) break;
        rest = rest.substr(sp + 1);
    }
    return out;
}

Result<void> check_type(const KeySpec& k, std::string_view v) {
    switch (k.type) {
        case ValueType::kBool:
            if (auto r = parse_bool(v); !r) return fail(r.error());
            return ok();
        case ValueType::kUInt:
            if (auto r = parse_uint(v, k.min, k.max); !r) return fail(r.error());
            return ok();
        case ValueType::kInt:
            if (auto r = parse_int(v, k.min, k.max); !r) return fail(r.error());
            return ok();
        case ValueType::kSeconds: {
            auto r = parse_seconds(v);
            if (!r) return fail(r.error());
            if (*r < k.min || *r > k.max) {
                if (k.max == std::numeric_limits<std::int64_t>::max()) {
                    return fail(fmt::format("must be at least {} seconds", k.min));
                }
                return fail(fmt::format("must be between {} and {} seconds", k.min, k.max));
            }
            return ok();
        }
        case ValueType::kHistory:
            if (auto r = parse_history(v); !r) return fail(r.error());
            return ok();
        case ValueType::kRoundoff:
            if (auto r = parse_roundoff(v); !r) return fail(r.error());
            return ok();
        case ValueType::kString:
        case ValueType::kPath:
        case ValueType::kPrimitives:  // checked per plugin once the whole file is read
        case ValueType::kPlugins:     // parsed on its own
            return ok();
        case ValueType::kEnum:
            if (!is_choice(k, v)) return fail(fmt::format("expected {}", choices_text(k)));
            return ok();
        case ValueType::kEnumList:
            for (auto item : split(v, ',')) {
                if (!is_choice(k, item)) {
                    return fail(fmt::format("'{}' is not one of {}", item, choices_text(k)));
                }
            }
            return ok();
        case ValueType::kIpAddress: return check_ip_address(v);
        case ValueType::kHostPort:
            if (auto r = parse_host_port(v); !r) return fail(r.error());
            return ok();
        case ValueType::kOctal:
            if (auto r = parse_octal(v); !r) return fail(r.error());
            return ok();
        case ValueType::kUser:
            if (auto r = resolve_user(std::string(v)); !r) return fail(r.error());
            return ok();
        case ValueType::kGroup:
            if (auto r = resolve_group(std::string(v)); !r) return fail(r.error());
            return ok();
        case ValueType::kFacility:
            if (!log::facility_from_name(v)) {
                return fail("expected auth, mail, daemon, kern, user or local0..local7");
            }
            return ok();
        case ValueType::kFilter: return check_filter(v);
    }
    return ok();
}

}  // namespace

Result<void> validate_value(const KeySpec& k, std::string_view value) {
    if (value.empty()) return fail("missing value");
    if (auto r = check_type(k, value); !r) return r;
    if (k.check != nullptr) return k.check(value);
    return ok();
}

}  // namespace pmacct::config
