// Key registry: memory, SQL, print, Avro, AMQP, Kafka, nfprobe, sfprobe and tee plugins.
#include <cstdint>
#include <string>
#include <string_view>

#include "key_checks.hpp"
#include "key_tables.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/config/values.hpp"

namespace pmacct::config::tables {
namespace {

using enum ValueType;
using pmacct::parse_decimal;

// Splits off the next `delim`-separated item of `rest`; pmacct skips empty items.
std::string_view next_item(std::string_view& rest, char delim) {
    auto pos = rest.find(delim);
    std::string_view item = rest.substr(0, pos);
    rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
    return item;
}

// *_preprocess: comma-separated name=value checks and actions (spaces are ignored, names are
// case-insensitive). Plugins other than SQL ignore the SQL-only names, as pmacct does.
Result<void> check_preprocess(std::string_view v) {
    static constexpr std::string_view kNames[] = {
        "qnum", "minp",   "minf", "minb", "maxp", "maxf", "maxb", "maxbpp",
        "maxppf", "minbpp", "minppf", "fss", "fsrc", "usrf", "adjb", "recover"};
    std::string s = to_lower(v);
    std::erase_if(s, [](char c) { return c == ' ' || c == '\t'; });
    std::string_view rest = s;
    bool any = false;
    while (!rest.empty()) {
        std::string_view item = next_item(rest, ',');
        if (item.empty()) continue;
        auto eq = item.find('=');
        if (eq == std::string_view::npos) return fail("expected name=value items separated by ','");
        std::string_view name = item.substr(0, eq);
        std::string_view value = item.substr(eq + 1);
        bool known = false;
        for (auto n : kNames) known = known || n == name;
        if (!known) return fail("unknown preprocess name '" + std::string(name) + "'");
        if (name == "adjb" && !value.empty() && value.front() == '-') value.remove_prefix(1);
        if (!parse_decimal(value)) return fail("'" + std::string(item) + "' needs a whole number");
        any = true;
    }
    if (!any) return fail("expected name=value items separated by ','");
    return ok();
}

// nfprobe_timeouts: name=value pairs separated by ':'.
Result<void> check_nfprobe_timeouts(std::string_view v) {
    static constexpr std::string_view kNames[] = {"tcp",  "tcp.rst", "tcp.fin", "udp",
                                                  "icmp", "general", "maxlife", "expint"};
    bool any = false;
    while (!v.empty()) {
        std::string_view item = next_item(v, ':');
        if (item.empty()) continue;
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            return fail("expected name=seconds pairs separated by ':'");
        }
        std::string_view name = item.substr(0, eq);
        bool known = false;
        for (auto n : kNames) known = known || n == name;
        if (!known) {
            return fail("unknown timeout '" + std::string(name) +
                        "' (tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
        }
        if (parse_softflowd_duration(item.substr(eq + 1)) < 0) {
            return fail("'" + std::string(item) + "' needs a time such as 300, 5m or 1h30m");
        }
        any = true;
    }
    if (!any) return fail("expected name=seconds pairs separated by ':'");
    return ok();
}

// nfprobe_engine: "<engine_type>:<engine_id>" (0-255 each, NetFlow v5) or one 32-bit number
// (source ID / observation domain, NetFlow v9 and IPFIX).
Result<void> check_nfprobe_engine(std::string_view v) {
    auto colon = v.find(':');
    if (colon == std::string_view::npos) {
        if (auto id = parse_decimal(v); id && *id <= 4294967295U) return ok();
    } else {
        auto type = parse_decimal(v.substr(0, colon));
        auto id = parse_decimal(v.substr(colon + 1));
        if (type && id && *type <= 255 && *id <= 255) return ok();
    }
    return fail("expected <0-255>:<0-255> (NetFlow v5) or a number up to 4294967295");
}

// nfprobe_ifindex / sfprobe_ifindex: tag, tag2 or an ifIndex 1-4294967295.
Result<void> check_probe_ifindex(std::string_view v) {
    if (v == "tag" || v == "tag2") return ok();
    if (auto n = parse_decimal(v); n && *n >= 1 && *n <= 4294967295U) return ok();
    return fail("expected tag, tag2 or an ifIndex from 1 to 4294967295");
}

// sql_delimiter: the one character PostgreSQL COPY splits fields on.
Result<void> check_single_char(std::string_view v) {
    if (v.size() != 1) return fail("must be a single character");
    return ok();
}

constexpr KeySpec kKeys[] = {
    // --- memory plugin -----------------------------------------------------------------
    {.names = "imt_path",
     .type = kPath,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "/tmp/collect.pipe",
     .doc = "UNIX socket on which the memory plugin answers pmacct client queries."},
    {.names = "imt_buckets",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "32771",
     .min = 1,
     .doc = "Buckets of the memory plugin's hash table; a prime number is best."},
    {.names = "imt_mem_pools_number",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "16",
     .doc = "Most memory pools the memory plugin allocates; 0 lets the table grow without limit."},
    {.names = "imt_mem_pools_size",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "8192",
     .min = 1,
     .doc = "Bytes of each memory pool of the memory plugin."},

    // --- SQL, and settings shared with print, AMQP and Kafka ---------------------------
    {.names = "sql_db amqp_exchange",
     .type = kString,
     .daemons = kTraffic,
     .doc = "SQL database (for SQLite, the database file) or AMQP exchange to publish to.",
     .default_doc = "pmacct; /tmp/pmacct.db for sqlite3"},
    {.names = "sql_table amqp_routing_key kafka_topic",
     .type = kString,
     .daemons = kTraffic,
     .doc = "SQL table, AMQP routing key or Kafka topic to write to; % and $ variables expand.",
     .default_doc = "acct[_v<N>] by sql_table_version (SQL), acct (AMQP), pmacct.acct (Kafka)"},
    {.names = "sql_table_schema",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "File with the CREATE TABLE statement used to create a missing (dynamic) table."},
    {.names = "sql_table_version",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "1",
     .min = 1,
     .max = 9,
     .doc = "Version of the default SQL schema, which decides the columns written."},
    {.names = "sql_table_type",
     .type = kEnum,
     .daemons = kTraffic,
     .def = "original",
     .choices = "original bgp",
     .doc = "Default schema family; bgp is chosen anyway when non-legacy BGP primitives are used."},
    {.names = "sql_conn_ca_file",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "CA certificate that the MySQL or PostgreSQL server's certificate must match."},
    {.names = "sql_host amqp_host kafka_broker_host",
     .type = kString,
     .daemons = kTraffic,
     .doc = "Database server, AMQP broker, or Kafka bootstrap brokers (comma separated host:port).",
     .default_doc = "localhost (SQL, AMQP), 127.0.0.1 (Kafka)"},
    {.names = "sql_port amqp_port",
     .type = kUInt,
     .daemons = kTraffic,
     .min = 1,
     .max = 65535,
     .doc = "TCP port of the database server or AMQP broker.",
     .default_doc = "3306 (MySQL), 5432 (PostgreSQL), 5672 (AMQP)"},
    {.names = "sql_data",
     .type = kEnum,
     .daemons = kTraffic,
     .def = "typed",
     .choices = "typed unified",
     .doc = "Write PostgreSQL v1-v5 tables with native types (typed) or as text (unified).",
     .feature = Feature::kPgsql},
    {.names = "sql_user amqp_user",
     .type = kString,
     .daemons = kTraffic,
     .doc = "User name to log in to the database server or AMQP broker.",
     .default_doc = "pmacct (SQL), guest (AMQP)"},
    {.names = "sql_passwd amqp_passwd",
     .type = kString,
     .daemons = kTraffic,
     .doc = "Password to log in to the database server or AMQP broker.",
     .default_doc = "arealsmartpwd (SQL), guest (AMQP)"},
    {.names = "sql_refresh_time print_refresh_time amqp_refresh_time kafka_refresh_time",
     .type = kSeconds,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "60",
     .min = 1,
     .doc = "How often the plugin writes its cache out to the backend."},
    {.names = "sql_startup_delay print_startup_delay amqp_startup_delay kafka_startup_delay",
     .type = kSeconds,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "0",
     .doc = "Delay of the first cache write, carried to later ones; with history, younger bins wait."},
    {.names = "sql_optimize_clauses",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Write only the columns of the aggregated primitives, for custom SQL schemas."},
    {.names = "sql_history print_history amqp_history kafka_history",
     .type = kHistory,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Length of the time-bins data is accumulated into (e.g. 5m, 1h, 1d, 1M).",
     .default_doc = "none (no time-bins)"},
    {.names = "sql_history_offset print_history_offset amqp_history_offset kafka_history_offset",
     .type = kSeconds,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "0",
     .doc = "Shift of the time-bin start times; must be shorter than the bin."},
    {.names = "sql_history_roundoff print_history_roundoff amqp_history_roundoff "
              "amqp_time_roundoff kafka_history_roundoff",
     .type = kRoundoff,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Align time-bins and writes to whole minutes, hours, days, weeks or months (mhdwM)."},
    {.names = "sql_backup_host sql_recovery_backup_host",
     .type = kString,
     .daemons = kTraffic,
     .doc = "Backup database host (SQLite: file) that receives the data when the main one fails."},
    {.names = "sql_delimiter",
     .type = kString,
     .daemons = kTraffic,
     .def = ",",
     .doc = "Field delimiter of PostgreSQL COPY statements (with sql_use_copy).",
     .feature = Feature::kPgsql,
     .check = check_single_char},
    {.names = "sql_max_writers print_max_writers amqp_max_writers kafka_max_writers",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "10",
     .min = 1,
     .doc = "Most writer processes running at once; data of writes beyond that is dropped."},
    {.names = "sql_trigger_exec print_trigger_exec amqp_trigger_exec kafka_trigger_exec",
     .type = kPath,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Program to run after cache writes (SQL: every sql_trigger_time)."},
    {.names = "sql_trigger_exec_async print_trigger_exec_async amqp_trigger_exec_async "
              "kafka_trigger_exec_async",
     .type = kBool,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "false",
     .doc = "Run the trigger program without waiting for it to finish."},
    {.names = "sql_trigger_time",
     .type = kHistory,
     .daemons = kTraffic,
     .doc = "How often sql_trigger_exec runs, in sql_history syntax.",
     .default_doc = "sql_refresh_time"},
    {.names = "sql_cache_entries",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "32771",
     .min = 1,
     .doc = "Buckets of the SQL plugins' cache; a prime number is best."},
    {.names = "sql_dont_try_update",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Only INSERT rows, never UPDATE first (needs sql_history equal to sql_refresh_time)."},
    {.names = "sql_preprocess print_preprocess amqp_preprocess kafka_preprocess",
     .type = kString,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Thresholds and actions applied at write time, e.g. minb=10000,minp=10.",
     .check = check_preprocess},
    {.names = "sql_preprocess_type print_preprocess_type amqp_preprocess_type "
              "kafka_preprocess_type",
     .type = kEnum,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "any",
     .choices = "any all",
     .doc = "Keep a record when any preprocess check passes, or only when all do."},
    {.names = "sql_multi_values amqp_multi_values kafka_multi_values",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "0",
     .doc = "Bytes of the buffer batching records into one INSERT or message; 0 disables it."},
    {.names = "sql_locking_style",
     .type = kEnum,
     .daemons = kTraffic,
     .def = "table",
     .choices = "table row none",
     .doc = "How writers lock the SQL table: whole table, rows (PostgreSQL) or not at all."},
    {.names = "sql_use_copy",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Insert with PostgreSQL COPY instead of INSERT (with sql_dont_try_update).",
     .feature = Feature::kPgsql},
    {.names = "sql_num_protos print_num_protos amqp_num_protos kafka_num_protos",
     .type = kBool,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "false",
     .doc = "Write IP protocols as numbers instead of names."},
    {.names = "sql_num_hosts",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Store IP addresses in binary form (INET_ATON) in MySQL and SQLite."},

    // --- cache of print, AMQP and Kafka ------------------------------------------------
    {.names = "print_cache_entries amqp_cache_entries kafka_cache_entries",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "16411",
     .min = 1,
     .doc = "Buckets of the plugin cache (about 10 entries each); a prime number is best."},
    {.names = "print_markers amqp_markers kafka_markers",
     .type = kBool,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "false",
     .doc = "Frame every cache write with start and end marker records."},

    // --- print plugin ------------------------------------------------------------------
    {.names = "print_output",
     .type = kEnum,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "formatted",
     .choices = "formatted csv json avro avro_bin avro_json event_formatted event_csv custom",
     .doc = "Output format of the print plugin."},
    {.names = "print_output_file",
     .type = kPath,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "File the print plugin writes to; % and $ variables are expanded.",
     .default_doc = "none (standard output)"},
    {.names = "print_output_file_append",
     .type = kBool,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "false",
     .doc = "Append to an existing output file instead of overwriting it."},
    {.names = "print_output_lock_file",
     .type = kPath,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Lock file that serializes writes to standard output across print plugins."},
    {.names = "print_output_separator",
     .type = kString,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = ",",
     .doc = "Field separator of csv and event_csv output; \\t is a tab and \\s a space."},
    {.names = "print_output_custom_lib",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "Shared library that formats and writes the output of print_output: custom."},
    {.names = "print_output_custom_cfg_file",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "Configuration file handed as is to the custom output library."},
    {.names = "print_write_empty_file",
     .type = kBool,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "false",
     .doc = "Create an empty output file when a write has no data."},
    {.names = "print_latest_file",
     .type = kPath,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Symlink kept pointing at the latest output file; $ variables are expanded."},

    // --- Avro --------------------------------------------------------------------------
    {.names = "avro_buffer_size",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "8192",
     .min = 1,
     .doc = "Bytes of the buffer Avro records are serialized into before sending.",
     .feature = Feature::kAvro},
    {.names = "avro_schema_output_file avro_schema_file",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "Write the Avro schema built from the aggregation to this file.",
     .feature = Feature::kAvro},

    // --- AMQP plugin -------------------------------------------------------------------
    {.names = "amqp_exchange_type",
     .type = kEnum,
     .daemons = kTraffic,
     .def = "direct",
     .choices = "direct fanout topic",
     .doc = "Type of the AMQP exchange; it must match the exchange on the broker.",
     .feature = Feature::kAmqp},
    {.names = "amqp_routing_key_rr kafka_topic_rr",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "0",
     .doc = "Round-robin messages over N routing keys or topics named <base>_0..<base>_N-1."},
    {.names = "amqp_persistent_msg",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Publish persistent messages to a durable exchange.",
     .feature = Feature::kAmqp},
    {.names = "amqp_frame_max",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "131072",
     .min = 4096,
     .max = 2147483647,
     .doc = "Largest AMQP frame, in bytes, requested from the broker.",
     .feature = Feature::kAmqp},
    {.names = "amqp_heartbeat_interval",
     .type = kSeconds,
     .daemons = kTraffic,
     .def = "0",
     .max = 2147483647,
     .doc = "AMQP heartbeat interval used to detect a dead broker; 0 disables it.",
     .feature = Feature::kAmqp},
    {.names = "amqp_vhost",
     .type = kString,
     .daemons = kTraffic,
     .def = "/",
     .doc = "AMQP virtual host to connect to.",
     .feature = Feature::kAmqp},
    {.names = "amqp_output kafka_output",
     .type = kEnum,
     .daemons = kTraffic,
     .def = "json",
     .choices = "json avro avro_json",
     .doc = "Encoding of the messages sent to the AMQP or Kafka broker."},
    {.names = "amqp_avro_schema_routing_key",
     .type = kString,
     .daemons = kTraffic,
     .doc = "Routing key on which the Avro schema is published periodically.",
     .feature = Feature::kAmqp},
    {.names = "amqp_avro_schema_refresh_time",
     .type = kSeconds,
     .daemons = kTraffic,
     .def = "60",
     .min = 1,
     .doc = "How often the Avro schema is published on amqp_avro_schema_routing_key.",
     .feature = Feature::kAmqp},

    // --- Kafka plugin ------------------------------------------------------------------
    {.names = "kafka_broker_port",
     .type = kUInt,
     .daemons = kTraffic,
     .def = "9092",
     .min = 1,
     .max = 65535,
     .doc = "Port of a single Kafka broker given without a port in kafka_broker_host.",
     .feature = Feature::kKafka},
    {.names = "kafka_partition",
     .type = kInt,
     .daemons = kTraffic,
     .def = "-1",
     .min = -1,
     .max = 2147483647,
     .doc = "Kafka partition to produce to; -1 leaves the choice to the partitioner.",
     .feature = Feature::kKafka},
    {.names = "kafka_partition_dynamic",
     .type = kBool,
     .daemons = kTraffic,
     .def = "false",
     .doc = "Partition messages by the value of kafka_partition_key.",
     .feature = Feature::kKafka},
    {.names = "kafka_partition_key",
     .type = kString,
     .daemons = kTraffic,
     .doc = "Kafka message key used for partitioning; $ variables are expanded per record.",
     .feature = Feature::kKafka},
    {.names = "kafka_avro_schema_registry",
     .type = kString,
     .daemons = kTraffic,
     .doc = "URL of a Confluent Schema Registry; Avro messages then use its wire format.",
     .feature = Feature::kKafka},
    {.names = "kafka_config_file",
     .type = kPath,
     .daemons = kTraffic,
     .doc = "CSV file of extra librdkafka settings: global|topic, key, value.",
     .feature = Feature::kKafka},

    // --- nfprobe plugin (some settings shared with sfprobe and tee) ---------------------
    {.names = "nfprobe_timeouts",
     .type = kString,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "tcp=3600:tcp.rst=120:tcp.fin=300:udp=300:icmp=300:general=3600:maxlife=604800:"
            "expint=60",
     .doc = "Flow expiry timeouts, name=seconds pairs separated by ':'; unset names keep defaults.",
     .check = check_nfprobe_timeouts},
    {.names = "nfprobe_hoplimit",
     .type = kUInt,
     .daemons = kCapture,
     .flags = kImplemented,
     .min = 1,
     .max = 255,
     .doc = "TTL / hop limit of exported NetFlow datagrams.",
     .default_doc = "operating system default"},
    {.names = "nfprobe_maxflows",
     .type = kUInt,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "8192",
     .min = 1,
     .doc = "Most flows tracked at the same time."},
    {.names = "nfprobe_receiver",
     .type = kHostPort,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "127.0.0.1:2100",
     .doc = "Collector (host:port, [v6]:port) that exported NetFlow/IPFIX is sent to."},
    {.names = "nfprobe_dtls",
     .type = kBool,
     .daemons = kCapture,
     .def = "false",
     .doc = "Export NetFlow/IPFIX over DTLS, with the files found in dtls_path."},
    {.names = "nfprobe_dtls_verify_cert",
     .type = kString,
     .daemons = kCapture,
     .doc = "Host name the collector's DTLS certificate must be issued for."},
    {.names = "nfprobe_engine",
     .type = kString,
     .daemons = kCapture,
     .flags = kImplemented,
     .doc = "Engine type:id (NetFlow v5) or source ID / observation domain (v9, IPFIX).",
     .default_doc = "0:0 (NetFlow v5), 0 (NetFlow v9, IPFIX)",
     .check = check_nfprobe_engine},
    {.names = "nfprobe_version",
     .type = kEnum,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "10",
     .choices = "5 9 10",
     .doc = "Export protocol: NetFlow v5, NetFlow v9 or IPFIX (10)."},
    {.names = "nfprobe_source_ip sfprobe_source_ip tee_source_ip",
     .type = kIpAddress,
     .daemons = kTraffic,
     .flags = kImplemented,
     .doc = "Local address exported or replicated datagrams are sent from.",
     .default_doc = "chosen by the operating system"},
    {.names = "nfprobe_ipprec sfprobe_ipprec tee_ipprec",
     .type = kUInt,
     .daemons = kTraffic,
     .flags = kImplemented,
     .def = "0",
     .max = 7,
     .doc = "IP precedence set on exported or replicated datagrams."},
    {.names = "nfprobe_direction sfprobe_direction",
     .type = kEnum,
     .daemons = kCapture,
     .flags = kNoGlobal | kImplemented,
     .choices = "in out tag tag2",
     .doc = "Direction of exported traffic: fixed, or from tag/tag2 (1 = in, 2 = out)."},
    {.names = "nfprobe_ifindex sfprobe_ifindex",
     .type = kString,
     .daemons = kCapture,
     .flags = kNoGlobal | kImplemented,
     .doc = "Interface index of exported traffic: a number, or the value of tag or tag2.",
     .check = check_probe_ifindex},
    {.names = "nfprobe_dont_cache",
     .type = kBool,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "false",
     .doc = "Export every packet as a flow of its own, without caching."},
    {.names = "nfprobe_ifindex_override sfprobe_ifindex_override",
     .type = kBool,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "false",
     .doc = "Let a non-zero configured ifindex replace the one learned from the packet (NFLOG)."},
    {.names = "nfprobe_tstamp_usec",
     .type = kBool,
     .daemons = kCapture,
     .flags = kImplemented,
     .def = "false",
     .doc = "Export flow times in microseconds (IEs 154/155) instead of milliseconds."},

    // --- sfprobe plugin ----------------------------------------------------------------
    {.names = "sfprobe_receiver",
     .type = kHostPort,
     .daemons = kCapture,
     .def = "127.0.0.1:6343",
     .doc = "Collector (host:port, [v6]:port) that sFlow samples are sent to."},
    {.names = "sfprobe_agentip",
     .type = kIpAddress,
     .daemons = kCapture,
     .doc = "Agent address in sFlow datagrams; same family as the transport.",
     .default_doc = "localhost"},
    {.names = "sfprobe_agentsubid",
     .type = kUInt,
     .daemons = kCapture,
     .def = "1402",
     .max = 4294967295,
     .doc = "Agent sub-ID in sFlow datagrams."},
    {.names = "sfprobe_ifspeed",
     .type = kUInt,
     .daemons = kCapture,
     .def = "100000000",
     .doc = "Interface speed, in bits per second, reported in sFlow."},

    // --- tee plugin --------------------------------------------------------------------
    {.names = "tee_receivers",
     .type = kPath,
     .daemons = kFlow,
     .flags = kMap | kImplemented,
     .doc = "Map of receiver pools that datagrams are replicated to."},
    {.names = "tee_transparent",
     .type = kBool,
     .daemons = kFlow,
     .flags = kImplemented,
     .def = "false",
     .doc = "Replicate with the original exporter's source address (needs root)."},
    {.names = "tee_max_receivers",
     .type = kUInt,
     .daemons = kFlow,
     .flags = kImplemented,
     .def = "32",
     .min = 1,
     .doc = "Receivers allocated per pool; fixed at startup."},
    {.names = "tee_max_receiver_pools",
     .type = kUInt,
     .daemons = kFlow,
     .flags = kImplemented,
     .def = "128",
     .min = 1,
     .doc = "Receiver pools allocated; fixed at startup."},
    {.names = "tee_pipe_size",
     .type = kUInt,
     .daemons = kFlow,
     .flags = kImplemented,
     .min = 1,
     .doc = "Send buffer, in bytes, of the socket replicated datagrams leave from.",
     .default_doc = "operating system default"},
    {.names = "tee_kafka_config_file",
     .type = kPath,
     .daemons = kFlow,
     .flags = kImplemented,
     .doc = "CSV file of librdkafka settings (global|topic, key, value) for Kafka pools of tee_receivers.",
     .feature = Feature::kKafka},
};

}  // namespace

std::span<const KeySpec> plugin_keys() { return kKeys; }

}  // namespace pmacct::config::tables
