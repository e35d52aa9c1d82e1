#include "pmacct/config/plugin_types.hpp"

namespace pmacct::config {
namespace {

constexpr PluginType kTypes[] = {
    {"memory", "IMT Plugin", Feature::kNone, kTraffic, true},
    {"print", "Print Plugin", Feature::kNone, kTraffic, true},
    {"nfprobe", "NetFlow Probe Plugin", Feature::kNone, kCapture, true},
    {"sfprobe", "sFlow Probe Plugin", Feature::kNone, kCapture, false},
    {"tee", "Tee Plugin", Feature::kNone, kFlow, true},
    {"mysql", "MySQL Plugin", Feature::kMysql, kTraffic, false},
    {"pgsql", "PostgreSQL Plugin", Feature::kPgsql, kTraffic, false},
    {"sqlite3", "SQLite3 Plugin", Feature::kSqlite3, kTraffic, false},
    {"amqp", "AMQP Plugin", Feature::kAmqp, kTraffic, false},
    {"kafka", "Kafka Plugin", Feature::kKafka, kTraffic, false},
};

}  // namespace

std::span<const PluginType> plugin_types() { return kTypes; }

const PluginType* find_plugin_type(std::string_view type) {
    for (const auto& t : kTypes) {
        if (t.type == type) return &t;
    }
    return nullptr;
}

bool plugin_available(const PluginType& t) {
    return t.implemented && (t.feature == Feature::kNone || has_feature(t.feature));
}

}  // namespace pmacct::config
