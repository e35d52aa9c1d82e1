// The pmacct client: queries the memory table of a memory plugin and prints the answer in
// pmacct's formats.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "pmacct/aggregate/key_layout.hpp"
#include "pmacct/primitives/custom.hpp"
#include "pmacct/app/daemon_main.hpp"
#include "pmacct/base/build_info.hpp"
#include "pmacct/base/strings.hpp"
#include "pmacct/imt/protocol.hpp"
#include "pmacct/output/row_writer.hpp"
#include "pmacct/primitives/registry.hpp"

namespace pmacct::app {
namespace {

struct ClientSwitch {
    char letter;
    bool takes_arg;
    std::string_view help;
};

constexpr ClientSwitch kSwitches[] = {
    {'h', false, "Show this help and exit"},
    {'V', false, "Show version and build information, then exit"},
    {'s', false, "Show the whole table"},
    {'N', true, "<values>[;<values>] | file:<file>  Show only the counters of matching entries"},
    {'n', true, "[ bytes | packets | flows | all ]  Counter shown by -N (default: bytes)"},
    {'S', false, "With -N, sum the counters of all queries"},
    {'M', true, "<values>[;<values>] | file:<file>  Show matching entries"},
    {'c', true, "<primitive>[,...]  Primitives the values of -N / -M refer to ('*' matches all)"},
    {'a', false, "Show every field, not only the aggregated ones"},
    {'T', true, "[ bytes | packets | flows ][,N]  Sort by a counter and show the top N entries"},
    {'e', false, "Erase the table"},
    {'i', false, "Show how many seconds ago the table was last erased"},
    {'r', false, "Reset the counters of the matching entries after showing them"},
    {'l', false, "Lock the table for this query (queries always see a consistent snapshot)"},
    {'t', false, "Show the table status (buckets and chains)"},
    {'C', false, "Show the classification table"},
    {'U', false, "Show the custom primitives table"},
    {'p', true, "<file>  Socket of the memory plugin (default /tmp/collect.pipe)"},
    {'O', true, "[ formatted | csv | json | event_formatted | event_csv ]  Output format"},
    {'E', true, "<sep>  CSV separator"},
    {'I', false, "Timestamps as seconds since the epoch"},
    {'u', false, "IP protocols as numbers"},
    {'0', false, "Timestamps in UTC"},
};

const ClientSwitch* find(char c) {
    for (const auto& s : kSwitches) {
        if (s.letter == c) return &s;
    }
    return nullptr;
}

std::string usage() {
    std::string out = "pmacct IMT plugin client, pmacct (pmacct-ng)\n";
    out += "Usage: pmacct [ -s | -N | -M | -e | -i | -t | -C | -U ] [ options ]\n\nOptions:\n";
    for (const auto& s : kSwitches) out += fmt::format("  -{}  {}\n", s.letter, s.help);
    return out;
}

struct Options {
    std::optional<imt::Op> op;
    std::string values;  // -M / -N argument
    std::vector<std::string> primitives;
    std::string counter = "bytes";
    bool sum = false;
    bool reset = false;
    std::string top_counter;
    std::size_t top_n = 0;
    std::string path = "/tmp/collect.pipe";
    std::string format = "formatted";
    bool all_fields = false;  // -a
    output::Options out;
};

// -a: every primitive a formatted or CSV row can show, in column order (those the table does
// not aggregate on show their empty value).
Result<aggregate::KeyLayout> every_field_layout() {
    std::vector<std::string> names;
    std::vector<std::string_view> headers;
    for (std::string_view name : primitives::csv_order()) {
        const primitives::PrimitiveSpec* spec = primitives::find(name);
        if (spec == nullptr || name == "flows") continue;
        if ((spec->flags & (primitives::kSum | primitives::kVariableLength)) != 0) continue;
        if (aggregate::key_size_of(spec->kind) == 0) continue;
        // Two primitives share a column (class, class_frame): one column.
        if (std::find(headers.begin(), headers.end(), spec->header) != headers.end()) continue;
        headers.push_back(spec->header);
        names.emplace_back(name);
    }
    return aggregate::KeyLayout::build(names);
}

int fail_with(const std::string& msg) {
    fmt::print(stderr, "pmacct: {}\n", msg);
    return 1;
}

// -M / -N values: "a,b;c,d" or "file:<path>" with one query per line.
Result<std::vector<std::string>> split_queries(const std::string& values) {
    std::vector<std::string> out;
    if (values.rfind("file:", 0) == 0) {
        std::ifstream in(values.substr(5));
        if (!in) return fail(fmt::format("cannot read '{}'", values.substr(5)));
        std::string line;
        while (std::getline(in, line)) {
            std::string_view t = trim(line);
            if (!t.empty() && t.front() != '!' && t.front() != '#') out.emplace_back(t);
        }
        return out;
    }
    for (auto q : split(values, ';')) {
        if (!q.empty()) out.emplace_back(q);
    }
    return out;
}

Result<std::string> query_plugin(const std::string& path, const std::string& request) {
    struct sockaddr_un addr {};
    if (path.size() >= sizeof addr.sun_path) return fail(fmt::format("'{}' is too long", path));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::strerror(errno));
    if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
        std::string err = fmt::format("cannot reach the memory plugin at {}: {}", path, std::strerror(errno));
        ::close(fd);
        return fail(err);
    }
    std::string_view req = request;
    while (!req.empty()) {
        ssize_t n = ::write(fd, req.data(), req.size());
        if (n <= 0) {
            ::close(fd);
            return fail(fmt::format("cannot send the query: {}", std::strerror(errno)));
        }
        req.remove_prefix(static_cast<std::size_t>(n));
    }
    std::string reply;
    char buf[65536];
    while (true) {
        struct pollfd p {fd, POLLIN, 0};
        if (::poll(&p, 1, 30000) <= 0) {
            ::close(fd);
            return fail("the memory plugin did not answer");
        }
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

struct Row {
    const std::uint8_t* key;
    aggregate::Counters counters;
};

// Reads "<count>\n" + records sections after the header.
Result<std::vector<std::vector<Row>>> read_sections(std::string_view body, const imt::ReplyHeader& h,
                                                    std::size_t key_size) {
    std::vector<std::vector<Row>> sections;
    const std::size_t counters_bytes = h.record_size - key_size;
    std::size_t pos = 0;
    for (std::uint64_t s = 0; s < h.sections; ++s) {
        auto nl = body.find('\n', pos);
        if (nl == std::string_view::npos) return fail("truncated reply");
        auto count = parse_u64(body.substr(pos, nl - pos));
        if (!count) return fail("malformed reply");
        pos = nl + 1;
        if (body.size() - pos < *count * h.record_size) return fail("truncated reply");
        std::vector<Row> rows;
        rows.reserve(*count);
        for (std::uint64_t i = 0; i < *count; ++i) {
            const auto* rec = reinterpret_cast<const std::uint8_t*>(body.data() + pos);
            Row r{rec + counters_bytes, {}};
            std::memcpy(&r.counters, rec, sizeof r.counters);
            rows.push_back(r);
            pos += h.record_size;
        }
        sections.push_back(std::move(rows));
    }
    return sections;
}

std::uint64_t counter_of(const aggregate::Counters& c, std::string_view which) {
    if (which == "packets") return c.packets;
    if (which == "flows") return c.flows;
    return c.bytes;
}

int run_client(const Options& o) {
    imt::Request req;
    req.op = *o.op;
    req.primitives = o.primitives;
    req.reset = o.reset;
    if (req.op == imt::Op::kMatch || req.op == imt::Op::kCounter) {
        if (o.primitives.empty()) return fail_with("-M and -N need -c to say which primitives the values are");
        auto q = split_queries(o.values);
        if (!q) return fail_with(q.error());
        req.queries = std::move(*q);
    }
    auto reply = query_plugin(o.path, imt::encode(req));
    if (!reply) return fail_with(reply.error());
    std::size_t consumed = 0;
    auto h = imt::decode_reply_header(*reply, consumed);
    if (!h) return fail_with(h.error());
    if (!h->ok) return fail_with(h->error);
    std::string_view body = std::string_view(*reply).substr(consumed);

    switch (req.op) {
        case imt::Op::kErase:
            fmt::print("OK: Clearing stats.\n");
            return 0;
        case imt::Op::kEraseTime:
            fmt::print("{}\n", h->value("since_erase"));
            return 0;
        case imt::Op::kClassTable:
            fmt::print("CLASS_ID\tCLASS_NAME\n\nFor a total of: 0 classifiers\n");
            return 0;
        case imt::Op::kCustomTable: {
            // The table's custom primitives in key order, each at the offset it would have in
            // a buffer of them all (as 1.7.7 prints it).
            std::string out = fmt::format("{:<34}{:<7}OFF\n", "NAME", "LEN");
            std::size_t offset = 0;
            for (const auto& p : primitives::parse_custom(join(h->custom, '\n')).primitives) {
                out += fmt::format("{:<34}{:<7}{:<5}\n", p.name, p.vlen ? std::string("vlen") : std::to_string(p.len), offset);
                offset += p.len;
            }
            fmt::print("{}", out);
            return 0;
        }
        case imt::Op::kStatus: {
            std::string out = "* = element\n\nBUCKET\tCHAIN_STATUS\n";
            std::size_t pos = 0;
            while (pos < body.size()) {
                auto nl = body.find('\n', pos);
                if (nl == std::string_view::npos) break;
                auto parts = split(body.substr(pos, nl - pos), ' ');
                pos = nl + 1;
                if (parts.size() != 2) continue;
                out += fmt::format("{}\t{}\n", parts[0], std::string(parse_u64(parts[1]).value_or(0), '*'));
            }
            fmt::print("{}", out);
            return 0;
        }
        default: break;
    }

    // Custom primitives are known to the daemon only: learn them before reading its keys.
    if (!h->custom.empty()) {
        auto custom = primitives::parse_custom(join(h->custom, '\n'));
        if (!custom.skipped.empty()) return fail_with(fmt::format("custom primitive '{}': {}", h->custom[0], custom.skipped[0].why));
        primitives::install_custom(custom.primitives);
    }
    auto layout = aggregate::KeyLayout::build(h->layout);
    if (!layout) return fail_with(layout.error());
    auto sections = read_sections(body, *h, layout->key_size());
    if (!sections) return fail_with(sections.error());

    if (req.op == imt::Op::kCounter) {
        aggregate::Counters total;
        std::uint64_t total_matches = 0;
        std::string out;
        for (const auto& rows : *sections) {
            aggregate::Counters sum;
            for (const auto& r : rows) {
                sum.bytes += r.counters.bytes;
                sum.packets += r.counters.packets;
                sum.flows += r.counters.flows;
            }
            total.bytes += sum.bytes;
            total.packets += sum.packets;
            total.flows += sum.flows;
            total_matches += rows.size();
            if (o.sum) continue;
            if (o.counter == "all") {
                out += fmt::format("{} {} {} {}\n", sum.packets, sum.bytes, sum.flows, rows.size());
            } else {
                out += fmt::format("{}\n", counter_of(sum, o.counter));
            }
        }
        if (o.sum) {
            out = o.counter == "all"
                      ? fmt::format("{} {} {} {}\n", total.packets, total.bytes, total.flows, total_matches)
                      : fmt::format("{}\n", counter_of(total, o.counter));
        }
        fmt::print("{}", out);
        return 0;
    }

    std::vector<Row> rows;
    for (auto& s : *sections) rows.insert(rows.end(), s.begin(), s.end());
    if (!o.top_counter.empty()) {
        std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
            return counter_of(a.counters, o.top_counter) > counter_of(b.counters, o.top_counter);
        });
        if (o.top_n > 0 && rows.size() > o.top_n) rows.resize(o.top_n);
    }
    auto format = output::format_from_name(o.format);
    if (!format) return fail_with(fmt::format("'{}' is not an output format of the client", o.format));
    // -a widens every row to all the columns (JSON keeps its keys, as pmacct's client does).
    std::vector<std::uint8_t> wide_keys;
    if (o.all_fields && *format != output::Format::kJson) {
        auto wide = every_field_layout();
        if (!wide) return fail_with(wide.error());
        const std::size_t size = wide->key_size();
        wide_keys.assign(rows.size() * size, 0);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            std::uint8_t* key = wide_keys.data() + i * size;
            for (const auto& f : layout->fields()) {
                const aggregate::KeyField* w = wide->field(f.spec->name);
                if (w == nullptr) {  // a column shared with another primitive (class_frame)
                    for (const auto& c : wide->fields()) {
                        if (c.spec->header == f.spec->header) w = &c;
                    }
                }
                if (w != nullptr && w->size == f.size) std::memcpy(key + w->offset, rows[i].key + f.offset, f.size);
            }
            rows[i].key = key;
        }
        *layout = std::move(*wide);
    }
    output::RowWriter writer(*layout, *format, o.out);
    std::string out;
    writer.header(out);
    output::RowContext ctx;
    // The client's JSON rows carry no event_type, as in pmacct.
    constexpr std::string_view kEvent = "\"event_type\": \"purge\"";
    for (const auto& r : rows) {
        const std::size_t start = out.size();
        writer.row(r.key, r.counters, ctx, out);
        if (*format == output::Format::kJson && out.compare(start + 1, kEvent.size(), kEvent) == 0) {
            const bool more = out.compare(start + 1 + kEvent.size(), 2, ", ") == 0;
            out.erase(start + 1, kEvent.size() + (more ? 2 : 0));
        }
    }
    if (*format == output::Format::kFormatted || *format == output::Format::kEventFormatted) {
        out += fmt::format("\nFor a total of: {} entries\n", rows.size());
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

int client_main(int argc, const char* const* argv) {
    Options o;
    auto set_op = [&](imt::Op op) -> bool {
        if (o.op && *o.op != op) return false;
        o.op = op;
        return true;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.size() < 2 || arg.front() != '-') {
            fmt::print(stderr, "pmacct: unexpected argument '{}'\nTry 'pmacct -h'.\n", arg);
            return 1;
        }
        for (std::size_t j = 1; j < arg.size(); ++j) {
            const ClientSwitch* s = find(arg[j]);
            if (s == nullptr) {
                fmt::print(stderr, "pmacct: invalid option -- '{}'\nTry 'pmacct -h'.\n", arg[j]);
                return 1;
            }
            std::string value;
            if (s->takes_arg) {
                if (j + 1 < arg.size()) {
                    value = std::string(arg.substr(j + 1));
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    fmt::print(stderr, "pmacct: option requires an argument -- '{}'\n", s->letter);
                    return 1;
                }
                j = arg.size();
            }
            bool ok = true;
            switch (s->letter) {
                case 'h': fmt::print("{}", usage()); return 0;
                case 'V': fmt::print("{}", version_report("pmacct IMT plugin client, pmacct")); return 0;
                case 's': ok = set_op(imt::Op::kStats); break;
                case 'M': ok = set_op(imt::Op::kMatch); o.values = value; break;
                case 'N': ok = set_op(imt::Op::kCounter); o.values = value; break;
                case 'e': ok = set_op(imt::Op::kErase); break;
                case 'i': ok = set_op(imt::Op::kEraseTime); break;
                case 't': ok = set_op(imt::Op::kStatus); break;
                case 'C': ok = set_op(imt::Op::kClassTable); break;
                case 'U': ok = set_op(imt::Op::kCustomTable); break;
                case 'c':
                    o.primitives.clear();
                    for (auto p : split(value, ',')) o.primitives.emplace_back(p);
                    break;
                case 'n':
                    if (value != "bytes" && value != "packets" && value != "flows" && value != "all") {
                        return fail_with("-n takes bytes, packets, flows or all");
                    }
                    o.counter = value;
                    break;
                case 'S': o.sum = true; break;
                case 'r': o.reset = true; break;
                case 'a': o.all_fields = true; break;
                case 'l': break;  // every query sees a consistent snapshot of the table
                case 'T': {
                    auto parts = split(value, ',');
                    if (parts[0] != "bytes" && parts[0] != "packets" && parts[0] != "flows") {
                        return fail_with("-T takes bytes, packets or flows, optionally followed by ,N");
                    }
                    o.top_counter = std::string(parts[0]);
                    if (parts.size() > 1) {
                        auto n = parse_u64(parts[1]);
                        if (!n) return fail_with("-T: N must be a number");
                        o.top_n = static_cast<std::size_t>(*n);
                    }
                    if (!o.op) o.op = imt::Op::kStats;
                    break;
                }
                case 'p': o.path = value; break;
                case 'O': o.format = value; break;
                case 'E': o.out.separator = value; break;
                case 'I': o.out.timestamps_since_epoch = true; break;
                case 'u': o.out.num_protos = true; break;
                case '0': o.out.timestamps_utc = true; break;
                default: break;
            }
            if (!ok) return fail_with("give only one of -s, -M, -N, -e, -i, -t, -C, -U");
        }
    }
    if (!o.op) {
        fmt::print(stderr, "{}", usage());
        return 1;
    }
    return run_client(o);
}

}  // namespace pmacct::app
