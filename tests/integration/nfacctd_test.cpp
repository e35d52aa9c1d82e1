// nfacctd end to end with NetFlow v5: what goes in comes out, to the packet and the byte, through
// every print format and through the memory table and the pmacct client; Debian's nfacctd
// agrees on the same input; faults neither crash nor lose what was accounted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"
#include "v5_generator.hpp"

namespace pmacct::testing {
namespace {

using ::testing::HasSubstr;

// Sends `n` datagrams from `gen`.
void send_datagrams(Sender& tx, V5Generator& gen, int n) {
    std::vector<std::uint8_t> d;
    for (int i = 0; i < n; ++i) {
        gen.next(d);
        tx.send(d);
    }
}

// Formatted output: columns separated by runs of spaces (values never contain spaces here).
Table parse_formatted(const std::string& text) {
    Table t;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.rfind("For a total of", 0) == 0) continue;
        std::istringstream ls(line);
        std::vector<std::string> cells;
        std::string w;
        while (ls >> w) cells.push_back(w);
        if (t.header.empty()) {
            t.header = cells;
        } else if (cells != t.header) {
            t.rows.push_back(cells);
        }
    }
    return t;
}

V5Totals totals_of(const Table& t) {
    V5Totals out;
    const int p = t.col("PACKETS");
    const int b = t.col("BYTES");
    for (const auto& r : t.rows) {
        out.records += 1;
        if (p >= 0) out.packets += std::stoull(r.at(static_cast<std::size_t>(p)));
        if (b >= 0) out.bytes += std::stoull(r.at(static_cast<std::size_t>(b)));
    }
    return out;
}

V5Totals totals_of_json(const std::string& text) {
    V5Totals out;
    std::regex pk("\"packets\": (\\d+)");
    std::regex by("\"bytes\": (\\d+)");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, pk)) out.packets += std::stoull(m[1]);
        if (std::regex_search(line, m, by)) out.bytes += std::stoull(m[1]);
        if (line.find("\"event_type\": \"purge\"") != std::string::npos) out.records += 1;
    }
    return out;
}

std::string five_tuple_key(const std::vector<std::string>& r, const Table& t) {
    return r.at(static_cast<std::size_t>(t.col("SRC_IP"))) + " " + r.at(static_cast<std::size_t>(t.col("DST_IP"))) +
           " " + r.at(static_cast<std::size_t>(t.col("SRC_PORT"))) + " " +
           r.at(static_cast<std::size_t>(t.col("DST_PORT"))) + " " + r.at(static_cast<std::size_t>(t.col("PROTOCOL")));
}

// The ring counters of plugin `name` as the core last reported them (SIGUSR1 or at exit).
struct RingReport {
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;
    bool found = false;
};
RingReport last_ring_report(const std::string& log, const std::string& name) {
    RingReport r;
    std::regex re("plugin " + name + " pid=\\d+ alive=\\w+ records=(\\d+) batches=\\d+ dropped_records=(\\d+)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it) {
        r.written = std::stoull((*it)[1]);
        r.dropped = std::stoull((*it)[2]);
        r.found = true;
    }
    return r;
}

constexpr const char* kFiveTuple = "src_host, dst_host, src_port, dst_port, proto";

// Replays dir/in.pcap into one print plugin (CSV, on the 5-tuple, plus the `extra` lines) and
// returns what it wrote; an empty table when nfacctd failed.
Table print_savefile(const TempDir& dir, const std::string& extra) {
    std::ofstream(dir.path() + "/nf.conf") << "pcap_savefile: " << dir.path() << "/in.pcap\n"
                                           << "plugins: print[p]\nprint_output[p]: csv\n"
                                           << "print_output_file[p]: " << dir.path() << "/out.csv\n"
                                           << "print_num_protos: true\n"
                                           << extra << "aggregate: " << kFiveTuple << "\n";
    auto r = run_program({"nfacctd", "-f", dir.path() + "/nf.conf"}, 30000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return {};
    return parse_csv(read_file(dir.path() + "/out.csv"));
}

TEST(Nfacctd, SavefileThroughPrintMatchesWhatWasSentPerFlow) {
    TempDir dir;
    V5Generator gen(500, 30, 1795340000);
    gen.track(true);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 200, 0x7F000001U, 2100));
    std::ofstream(dir.path() + "/nf.conf") << "pcap_savefile: " << dir.path() << "/in.pcap\n"
                                           << "plugins: print[csv]\n"
                                           << "print_output[csv]: csv\n"
                                           << "print_output_file[csv]: " << dir.path() << "/out.csv\n"
                                           << "print_num_protos: true\n"
                                           << "aggregate: " << kFiveTuple << "\n";
    auto r = run_program({"nfacctd", "-f", dir.path() + "/nf.conf"}, 30000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Table t = parse_csv(read_file(dir.path() + "/out.csv"));
    ASSERT_FALSE(t.rows.empty()) << r.err;
    V5Totals got = totals_of(t);
    EXPECT_EQ(got.packets, gen.totals().packets);
    EXPECT_EQ(got.bytes, gen.totals().bytes);
    // Every flow once, with its own packets and bytes.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> rows;
    for (const auto& row : t.rows) {
        auto [it, fresh] = rows.emplace(five_tuple_key(row, t), std::pair<std::uint64_t, std::uint64_t>{});
        EXPECT_TRUE(fresh) << "duplicate row " << it->first;
        it->second = {std::stoull(row.at(static_cast<std::size_t>(t.col("PACKETS")))),
                      std::stoull(row.at(static_cast<std::size_t>(t.col("BYTES"))))};
    }
    ASSERT_EQ(rows.size(), gen.per_flow().size());
    for (const auto& [f, tot] : gen.per_flow()) {
        std::string k = V5Generator::ip_string(f.src) + " " + V5Generator::ip_string(f.dst) + " " +
                        std::to_string(f.src_port) + " " + std::to_string(f.dst_port) + " " +
                        std::to_string(f.proto);
        auto it = rows.find(k);
        ASSERT_NE(it, rows.end()) << k;
        EXPECT_EQ(it->second.first, tot.packets) << k;
        EXPECT_EQ(it->second.second, tot.bytes) << k;
    }
}

// Replays dir/in.pcap through print plugins p and q (CSV into dir/NAME-p.csv and NAME-q.csv)
// configured by `conf` (their aggregates and the rest), with or without the direct path
// (PMACCT_NG_NO_DIRECT_RECORDS); returns how many records went straight, as ours says when
// debugging.
std::uint64_t replay_print_pair(const TempDir& dir, const std::string& name, bool direct, const std::string& conf,
                                std::string& p_out, std::string& q_out) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path + ".conf") << "pcap_savefile: " << dir.path() << "/in.pcap\nplugins: print[p], print[q]\n"
                                  << "print_output: csv\nprint_refresh_time: 3600\ntimestamps_utc: true\ndebug: true\n"
                                  << "print_output_file[p]: " << path << "-p.csv\nprint_output_file[q]: " << path
                                  << "-q.csv\n"
                                  << conf;
    // Our nfacctd by its path: /usr/bin/env would find Debian's by PATH.
    std::vector<std::string> argv = {program_path("nfacctd"), "-f", path + ".conf"};
    if (!direct) argv.insert(argv.begin(), {"/usr/bin/env", "PMACCT_NG_NO_DIRECT_RECORDS=1"});
    const RunResult r = run_program(argv, 30000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    p_out = read_file(path + "-p.csv");
    q_out = read_file(path + "-q.csv");
    std::smatch m;
    return std::regex_search(r.err, m, std::regex("([0-9]+) NetFlow records went straight")) ? std::stoull(m[1]) : 0ULL;
}

// v5 records go straight into the plugins' rings when nothing sits in between: the same rows as
// through FlowRecords, time-bins included, for two plugins with their own keys; and it is the
// direct path that wrote them. A third run keys one plugin on etype, which v5 leaves to
// FlowRecords.
TEST(Nfacctd, V5DirectPathGivesWhatFlowRecordsGive) {
    TempDir dir;
    V5Generator gen(500, 30, 1795340000);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 200, 0x7F000001U, 2100));
    const std::string p_conf =
        "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tos, src_as, dst_as, in_iface, out_iface, "
        "src_mask, dst_mask, tcpflags, timestamp_start, timestamp_end, export_proto_seqno, export_proto_sysid, "
        "export_proto_version, peer_src_ip, peer_dst_ip\nprint_history[p]: 1m\nprint_history[q]: 5m\n";
    std::string p[3], q[3];
    const std::string plain_q = "aggregate[q]: dst_net, proto, timestamp_export\n";
    EXPECT_EQ(replay_print_pair(dir, "direct", true, p_conf + plain_q, p[0], q[0]), 200U * 30U);
    EXPECT_EQ(replay_print_pair(dir, "records", false, p_conf + plain_q, p[1], q[1]), 0U);
    EXPECT_EQ(replay_print_pair(dir, "etype", true, p_conf + "aggregate[q]: dst_net, proto, etype\n", p[2], q[2]), 0U);
    ASSERT_GT(sorted_row_lines(p[1]).size(), 400U);
    EXPECT_EQ(sorted_row_lines(p[0]), sorted_row_lines(p[1]));
    EXPECT_EQ(sorted_row_lines(q[0]), sorted_row_lines(q[1]));
    EXPECT_EQ(sorted_row_lines(p[2]), sorted_row_lines(p[1]));
}

// The v5 options that change records on the way keep them on the FlowRecord path: counters
// renormalised by the header's sampling rate, bins by arrival time, times in seconds. Each run
// gives the rows it gives without the direct path, and nothing goes straight.
TEST(Nfacctd, V5OptionsThatChangeRecordsKeepThemOffTheDirectPath) {
    TempDir dir;
    V5Generator gen(500, 30, 1795340000);
    std::vector<std::vector<std::uint8_t>> datagrams(100);
    for (auto& d : datagrams) {
        gen.next(d);
        d[22] = 0;  // sampling: mode 0, 1 packet in 10
        d[23] = 10;
    }
    ASSERT_TRUE(write_udp_pcap(dir.path() + "/in.pcap", datagrams, 0x7F000001U, 2100, 1795340000));
    const std::string keys = "aggregate[p]: src_host, dst_host, proto\nprint_history[p]: 1m\n"
                             "aggregate[q]: dst_host, timestamp_start, timestamp_end\n";
    for (const std::string option : {"nfacctd_renormalize: true", "nfacctd_time_new: true", "nfacctd_time_secs: true"}) {
        std::string p[2], q[2];
        EXPECT_EQ(replay_print_pair(dir, "direct", true, keys + option + "\n", p[0], q[0]), 0U) << option;
        EXPECT_EQ(replay_print_pair(dir, "records", false, keys + option + "\n", p[1], q[1]), 0U) << option;
        ASSERT_FALSE(sorted_row_lines(p[1]).empty()) << option;
        EXPECT_EQ(sorted_row_lines(p[0]), sorted_row_lines(p[1])) << option;
        EXPECT_EQ(sorted_row_lines(q[0]), sorted_row_lines(q[1])) << option;
    }
}

TEST(Nfacctd, AFullCacheIsPurgedEarlyAndLosesNothing) {
    TempDir dir;
    V5Generator gen(3000, 30, 1795340000);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 300, 0x7F000001U, 2100));
    // print_cache_entries 10: room for 100 aggregates, far fewer than the 3000 flows.
    std::ofstream(dir.path() + "/nf.conf") << "pcap_savefile: " << dir.path() << "/in.pcap\n"
                                           << "plugins: print[csv]\n"
                                           << "print_cache_entries[csv]: 10\n"
                                           << "print_output[csv]: csv\n"
                                           << "print_output_file[csv]: " << dir.path() << "/out.csv\n"
                                           << "print_output_file_append[csv]: true\n"
                                           << "print_num_protos: true\n"
                                           << "aggregate: " << kFiveTuple << "\n";
    auto r = run_program({"nfacctd", "-f", dir.path() + "/nf.conf"}, 30000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Finished cache entries (ie. print_cache_entries). Purging."), std::string::npos) << r.err;
    const V5Totals got = totals_of(parse_csv(read_file(dir.path() + "/out.csv")));
    EXPECT_EQ(got.packets, gen.totals().packets);
    EXPECT_EQ(got.bytes, gen.totals().bytes);
}

// A daemon on a free loopback port, fed by UDP.
struct LiveNfacctd {
    TempDir dir;
    std::uint16_t port = free_udp_port();
    std::string conf = dir.path() + "/nf.conf";
    std::string log = dir.path() + "/nf.log";
    std::unique_ptr<Daemon> daemon;

    void start(const std::string& extra) {
        std::ofstream(conf) << "nfacctd_ip: 127.0.0.1\nnfacctd_port: " << port << "\n"
                            << "pidfile: " << dir.path() << "/nf.pid\n"
                            << "nfacctd_pipe_size: 8388608\n"
                            << extra;
        daemon = std::make_unique<Daemon>("nfacctd", conf, log);
        ASSERT_TRUE(wait_for([&] { return read_file(log).find("waiting for NetFlow") != std::string::npos; }))
            << read_file(log);
    }
    // Asks for SIGUSR1 statistics until the core reports `datagrams` from 127.0.0.1.
    bool wait_received(std::uint64_t datagrams) {
        const std::string want = "packets=" + std::to_string(datagrams) + " ";
        return wait_for([&] {
            ::kill(daemon->pid(), SIGUSR1);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return read_file(log).find(want) != std::string::npos;
        });
    }
    std::string path(const std::string& f) const { return dir.path() + "/" + f; }
};

TEST(Nfacctd, UdpThroughEveryPrintFormat) {
    LiveNfacctd nf;
    std::string extra = "plugins: print[csv], print[json], print[fmt], print[ecsv], print[efmt]\n"
                        "print_refresh_time: 3600\n"
                        "aggregate: src_host, dst_host, src_port, dst_port, proto\n";
    for (const char* name : {"csv", "json", "fmt", "ecsv", "efmt"}) {
        const std::string fmt = std::string(name) == "fmt"    ? "formatted"
                                : std::string(name) == "ecsv" ? "event_csv"
                                : std::string(name) == "efmt" ? "event_formatted"
                                                              : name;
        extra += "print_output[" + std::string(name) + "]: " + fmt + "\n";
        extra += "print_output_file[" + std::string(name) + "]: " + nf.path(std::string("out.") + name) + "\n";
    }
    nf.start(extra);
    V5Generator gen(2000, 30, 1795340000);
    Sender tx(nf.port);
    send_datagrams(tx, gen, 300);
    ASSERT_TRUE(nf.wait_received(300)) << read_file(nf.log);
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0) << read_file(nf.log);

    const V5Totals& sent = gen.totals();
    V5Totals csv = totals_of(parse_csv(read_file(nf.path("out.csv"))));
    EXPECT_EQ(csv.packets, sent.packets);
    EXPECT_EQ(csv.bytes, sent.bytes);
    V5Totals json = totals_of_json(read_file(nf.path("out.json")));
    EXPECT_EQ(json.packets, sent.packets);
    EXPECT_EQ(json.bytes, sent.bytes);
    EXPECT_EQ(json.records, csv.records);
    Table fmt = parse_formatted(read_file(nf.path("out.fmt")));
    V5Totals formatted = totals_of(fmt);
    EXPECT_EQ(formatted.packets, sent.packets);
    EXPECT_EQ(formatted.bytes, sent.bytes);
    Table ecsv = parse_csv(read_file(nf.path("out.ecsv")));
    EXPECT_EQ(ecsv.rows.size(), csv.records);
    EXPECT_EQ(ecsv.col("PACKETS"), -1);
    Table efmt = parse_formatted(read_file(nf.path("out.efmt")));
    EXPECT_EQ(efmt.rows.size(), csv.records);
    EXPECT_EQ(efmt.col("BYTES"), -1);
    // Every plugin wrote its PID file next to the core's, and removed it on exit.
    EXPECT_NE(::access(nf.path("nf.pid-print-csv").c_str(), F_OK), 0);
    EXPECT_THAT(read_file(nf.log), HasSubstr("INFO ( csv/print ): *** Purging cache - END"));
}

// print_output_file with $peer_src_ip: one file per exporter.
TEST(Nfacctd, OutputFilePerExporter) {
    LiveNfacctd nf;
    nf.start("plugins: print[p]\nprint_output[p]: csv\nprint_refresh_time: 3600\n"
             "print_output_file[p]: " + nf.path("exporter-$peer_src_ip.csv") + "\n"
             "aggregate: peer_src_ip, src_host\n");
    V5Generator a(50, 30, 1795340000);
    V5Generator b(50, 30, 1795340000, 7);
    Sender from_a(nf.port, "127.0.0.1");
    Sender from_b(nf.port, "127.0.0.2");
    std::vector<std::uint8_t> d;
    for (int i = 0; i < 10; ++i) {
        a.next(d);
        from_a.send(d);
        b.next(d);
        from_b.send(d);
    }
    ASSERT_TRUE(wait_for([&] {
        ::kill(nf.daemon->pid(), SIGUSR1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const std::string log = read_file(nf.log);
        const auto last = log.rfind("+++");
        if (last == std::string::npos) return false;
        const std::string report = log.substr(last);
        return std::regex_search(report, std::regex("agent=127\\.0\\.0\\.1:256 time=\\d+ packets=10 ")) &&
               std::regex_search(report, std::regex("agent=127\\.0\\.0\\.2:256 time=\\d+ packets=10 "));
    })) << read_file(nf.log);
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);
    Table ta = parse_csv(read_file(nf.path("exporter-127.0.0.1.csv")));
    Table tb = parse_csv(read_file(nf.path("exporter-127.0.0.2.csv")));
    EXPECT_EQ(totals_of(ta).bytes, a.totals().bytes);
    EXPECT_EQ(totals_of(tb).bytes, b.totals().bytes);
    for (const auto& r : tb.rows) EXPECT_EQ(r.at(static_cast<std::size_t>(tb.col("PEER_SRC_IP"))), "127.0.0.2");
}

// ps shows pmacct's titles; the process name stays nfacctd (pgrep, killall, init scripts).
// nfacctd_allow_file: datagrams from exporters it does not list are refused (and counted); a
// bad line is reported and skipped; SIGUSR2 reads the file again.
TEST(Nfacctd, AllowFileRefusesOtherExportersAndReloadsOnSigusr2) {
    LiveNfacctd nf;
    const std::string allow = nf.path("allow.lst");
    std::ofstream(allow) << "! who may send\n127.0.0.2\nnot-an-address\n";
    nf.start("nfacctd_allow_file: " + allow + "\nplugins: print[p]\nprint_output[p]: csv\nprint_refresh_time: 3600\n"
             "print_output_file[p]: " + nf.path("out.csv") + "\naggregate: peer_src_ip\n");
    EXPECT_THAT(read_file(nf.log),
                HasSubstr("allow.lst:3: nfacctd_allow_file: 'not-an-address' is not an address or prefix; skipped"));
    V5Generator refused(50, 30, 1795340000);
    V5Generator allowed(50, 30, 1795340000, 7);
    Sender from_1(nf.port, "127.0.0.1");
    Sender from_2(nf.port, "127.0.0.2");
    send_datagrams(from_1, refused, 10);
    send_datagrams(from_2, allowed, 10);
    const auto report_has = [&](const std::string& pattern) {
        return wait_for([&] {
            ::kill(nf.daemon->pid(), SIGUSR1);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return std::regex_search(read_file(nf.log), std::regex(pattern));
        });
    };
    ASSERT_TRUE(report_has("datagrams refused by nfacctd_allow_file: 10\n")) << read_file(nf.log);
    ASSERT_TRUE(report_has("agent=127\\.0\\.0\\.2:256 time=\\d+ packets=10 ")) << read_file(nf.log);

    std::ofstream(allow) << "127.0.0.0/8\n";
    ::kill(nf.daemon->pid(), SIGUSR2);
    ASSERT_TRUE(wait_for([&] {
        const std::string log = read_file(nf.log);
        return log.find("map successfully (re)loaded.") != log.rfind("map successfully (re)loaded.");
    })) << read_file(nf.log);
    V5Generator later(50, 30, 1795340000, 9);
    send_datagrams(from_1, later, 10);
    ASSERT_TRUE(report_has("agent=127\\.0\\.0\\.1:256 time=\\d+ packets=10 ")) << read_file(nf.log);
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);

    const Table t = parse_csv(read_file(nf.path("out.csv")));
    std::map<std::string, std::uint64_t> bytes;
    for (const auto& r : t.rows) bytes[r.at(static_cast<std::size_t>(t.col("PEER_SRC_IP")))] += std::stoull(r.back());
    EXPECT_EQ(bytes["127.0.0.2"], allowed.totals().bytes);
    EXPECT_EQ(bytes["127.0.0.1"], later.totals().bytes);  // nothing of what was refused
}

TEST(Nfacctd, ProcessTitlesAndNames) {
    LiveNfacctd nf;
    nf.start("plugins: print[screen]\nprint_output_file[screen]: " + nf.path("out.txt") + "\n");
    ASSERT_TRUE(wait_for([&] { return read_file(nf.path("nf.pid-print-screen")).size() > 1; }));
    const std::string core = std::to_string(nf.daemon->pid());
    const std::string plugin = std::to_string(std::stoi(read_file(nf.path("nf.pid-print-screen"))));
    EXPECT_EQ(read_file("/proc/" + core + "/comm"), "nfacctd\n");
    EXPECT_EQ(read_file("/proc/" + plugin + "/comm"), "nfacctd\n");
    EXPECT_EQ(read_file("/proc/" + core + "/cmdline").rfind("nfacctd: Core Process [default]", 0), 0U);
    EXPECT_EQ(read_file("/proc/" + plugin + "/cmdline").rfind("nfacctd: Print Plugin [screen]", 0), 0U);
    EXPECT_EQ(nf.daemon->stop(SIGTERM), 0);
}

TEST(Nfacctd, MemoryTableAnswersThePmacctClient) {
    LiveNfacctd nf;
    const std::string pipe = nf.path("imt.pipe");
    nf.start("plugins: memory[mem]\nimt_path[mem]: " + pipe + "\n" +
             "aggregate: src_host, dst_host, src_port, dst_port, proto\n");
    V5Generator gen(300, 30, 1795340000);
    gen.track(true);
    Sender tx(nf.port);
    send_datagrams(tx, gen, 100);
    const V5Totals& sent = gen.totals();
    V5Totals seen;
    ASSERT_TRUE(wait_for([&] {
        auto r = run_program({"pmacct", "-p", pipe, "-s", "-O", "csv"});
        seen = totals_of(parse_csv(r.out));
        return seen.bytes == sent.bytes;
    })) << "memory table has " << seen.bytes << " bytes, sent " << sent.bytes << "\n" << read_file(nf.log);
    EXPECT_EQ(seen.packets, sent.packets);
    EXPECT_EQ(seen.records, gen.per_flow().size());

    auto formatted = run_program({"pmacct", "-p", pipe, "-s"});
    EXPECT_EQ(formatted.exit_code, 0);
    EXPECT_THAT(formatted.out, HasSubstr("\nFor a total of: " + std::to_string(gen.per_flow().size()) + " entries\n"));
    auto json = run_program({"pmacct", "-p", pipe, "-s", "-O", "json"});
    EXPECT_EQ(totals_of_json(json.out).bytes, sent.bytes);
    EXPECT_EQ(json.out.find("event_type"), std::string::npos);

    // -a: every column, the aggregated ones filled, the others empty; totals unchanged.
    const Table narrow = parse_csv(run_program({"pmacct", "-p", pipe, "-s", "-O", "csv"}).out);
    const Table wide = parse_csv(run_program({"pmacct", "-p", pipe, "-s", "-O", "csv", "-a"}).out);
    EXPECT_GT(wide.header.size(), narrow.header.size() + 40);
    for (const char* column : {"TAG", "SRC_MAC", "SRC_AS", "PEER_SRC_IP", "IN_IFACE", "TIMESTAMP_START", "SRC_IP",
                               "DST_PORT", "PROTOCOL"}) {
        EXPECT_GE(wide.col(column), 0) << column;
    }
    EXPECT_EQ(std::count(wide.header.begin(), wide.header.end(), "CLASS"), 1);
    ASSERT_EQ(wide.rows.size(), narrow.rows.size());
    EXPECT_EQ(totals_of(wide).bytes, sent.bytes);
    std::set<std::string> narrow_keys, wide_keys;
    for (const auto& r : narrow.rows) narrow_keys.insert(five_tuple_key(r, narrow));
    for (const auto& r : wide.rows) {
        wide_keys.insert(five_tuple_key(r, wide));
        EXPECT_EQ(r.at(static_cast<std::size_t>(wide.col("SRC_AS"))), "0");
        EXPECT_EQ(r.at(static_cast<std::size_t>(wide.col("SRC_MAC"))), "00:00:00:00:00:00");
    }
    EXPECT_EQ(wide_keys, narrow_keys);
    auto wide_formatted = run_program({"pmacct", "-p", pipe, "-s", "-a"});
    EXPECT_THAT(wide_formatted.out, HasSubstr("TAG "));
    EXPECT_THAT(wide_formatted.out, HasSubstr("\nFor a total of: " + std::to_string(gen.per_flow().size()) + " entries\n"));

    // -N: the counters of one flow, of two, of everything.
    const auto& [flow, tot] = *gen.per_flow().begin();
    const std::string q = V5Generator::ip_string(flow.src) + "," + V5Generator::ip_string(flow.dst) + "," +
                          std::to_string(flow.src_port) + "," + std::to_string(flow.dst_port) + "," +
                          std::to_string(flow.proto);
    const std::string prims = "src_host,dst_host,src_port,dst_port,proto";
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-c", prims, "-N", q}).out, std::to_string(tot.bytes) + "\n");
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-c", prims, "-N", q, "-n", "packets"}).out,
              std::to_string(tot.packets) + "\n");
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-c", "src_host", "-N", "*", "-S"}).out,
              std::to_string(sent.bytes) + "\n");
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-c", "src_host", "-N", "192.0.2.99"}).out, "0\n");
    // Protocols by name or by number.
    const auto by_name = run_program({"pmacct", "-p", pipe, "-c", "proto", "-N", "tcp;udp"}).out;
    EXPECT_EQ(by_name, run_program({"pmacct", "-p", pipe, "-c", "proto", "-N", "6;17"}).out);
    EXPECT_NE(by_name, "0\n0\n");
    auto match = run_program({"pmacct", "-p", pipe, "-c", prims, "-M", q, "-O", "csv"});
    EXPECT_EQ(parse_csv(match.out).rows.size(), 1U);
    auto bad = run_program({"pmacct", "-p", pipe, "-c", "dst_as", "-N", "1"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.err, HasSubstr("'dst_as' is not a primitive of this table"));

    // -T: the biggest first.
    auto top = parse_csv(run_program({"pmacct", "-p", pipe, "-s", "-O", "csv", "-T", "bytes,3"}).out);
    ASSERT_EQ(top.rows.size(), 3U);
    EXPECT_GE(std::stoull(top.rows[0][static_cast<std::size_t>(top.col("BYTES"))]),
              std::stoull(top.rows[2][static_cast<std::size_t>(top.col("BYTES"))]));

    // -i, -e.
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-i"}).out, "never\n");
    EXPECT_EQ(run_program({"pmacct", "-p", pipe, "-e"}).out, "OK: Clearing stats.\n");
    EXPECT_TRUE(parse_csv(run_program({"pmacct", "-p", pipe, "-s", "-O", "csv"}).out).rows.empty());
    EXPECT_EQ(nf.daemon->stop(SIGTERM), 0);
    EXPECT_NE(::access(pipe.c_str(), F_OK), 0) << "the socket is removed on exit";
}

TEST(Nfacctd, GarbageIsCountedAndNothingBreaks) {
    LiveNfacctd nf;
    nf.start("plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " + nf.path("out.csv") +
             "\nprint_refresh_time: 3600\naggregate: src_host\n");
    Sender tx(nf.port);
    std::vector<std::uint8_t> good;
    V5Generator gen(10, 30, 1795340000);
    std::vector<std::vector<std::uint8_t>> bad = {
        {},                                   // empty
        {0x00, 0x05},                         // short header
        std::vector<std::uint8_t>(24, 0xFF),  // version 65535
        std::vector<std::uint8_t>(1400, 0),   // version 0
    };
    gen.next(good);
    auto truncated = good;
    truncated.resize(100);  // count says 30 records
    bad.push_back(truncated);
    auto too_many = good;
    too_many[3] = 31;
    bad.push_back(too_many);
    for (const auto& b : bad) tx.send(b);
    tx.send(good);
    ASSERT_TRUE(wait_for([&] {
        ::kill(nf.daemon->pid(), SIGUSR1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return read_file(nf.log).find("discarded_packets=6") != std::string::npos;
    })) << read_file(nf.log);
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);
    EXPECT_EQ(totals_of(parse_csv(read_file(nf.path("out.csv")))).bytes, gen.totals().bytes);
}

TEST(Nfacctd, AKilledPluginIsReportedAndTheOthersKeepTheirData) {
    LiveNfacctd nf;
    nf.start("plugins: print[keep], print[victim]\nprint_output: csv\nprint_refresh_time: 3600\n"
             "print_output_file[keep]: " + nf.path("keep.csv") + "\nprint_output_file[victim]: " +
             nf.path("victim.csv") + "\naggregate: src_host\n");
    ASSERT_TRUE(wait_for([&] { return read_file(nf.path("nf.pid-print-victim")).size() > 1; }));
    const pid_t victim = std::stoi(read_file(nf.path("nf.pid-print-victim")));
    ::kill(victim, SIGKILL);
    ASSERT_TRUE(wait_for([&] {
        return read_file(nf.log).find("plugin victim/print (pid " + std::to_string(victim) + ") was killed by signal 9") !=
               std::string::npos;
    })) << read_file(nf.log);
    V5Generator gen(100, 30, 1795340000);
    Sender tx(nf.port);
    send_datagrams(tx, gen, 20);
    ASSERT_TRUE(nf.wait_received(20));
    EXPECT_EQ(nf.daemon->stop(SIGINT), 1) << "a plugin died: the exit code says so";
    EXPECT_EQ(totals_of(parse_csv(read_file(nf.path("keep.csv")))).bytes, gen.totals().bytes);
}

TEST(Nfacctd, PluginExitAnyStopsTheDaemon) {
    LiveNfacctd nf;
    nf.start("plugins: print[keep], print[victim]\nplugin_exit_any: true\nprint_output: csv\n"
             "print_refresh_time: 3600\nprint_output_file[keep]: " + nf.path("keep.csv") +
             "\nprint_output_file[victim]: " + nf.path("victim.csv") + "\naggregate: src_host\n");
    V5Generator gen(100, 30, 1795340000);
    Sender tx(nf.port);
    send_datagrams(tx, gen, 10);
    ASSERT_TRUE(nf.wait_received(10));
    ::kill(std::stoi(read_file(nf.path("nf.pid-print-victim"))), SIGKILL);
    EXPECT_NE(nf.daemon->wait_exit(15000), -1) << "the daemon kept running";
    EXPECT_THAT(read_file(nf.log), HasSubstr("plugin_exit_any is set"));
    EXPECT_EQ(totals_of(parse_csv(read_file(nf.path("keep.csv")))).bytes, gen.totals().bytes);
}

// A ring far too small for a burst: losses are counted and reported, and what was not lost
// reaches the output exactly (FLOWS counts the records a plugin received).
TEST(Nfacctd, RingOverflowIsCountedAndReported) {
    LiveNfacctd nf;
    nf.start("plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " + nf.path("out.csv") +
             "\nprint_refresh_time: 3600\naggregate: src_host, flows\n"
             "plugin_pipe_size: 4096\nplugin_buffer_size: 2048\n");
    V5Generator gen(1000, 30, 1795340000);
    Sender tx(nf.port);
    send_datagrams(tx, gen, 3000);
    ASSERT_TRUE(nf.wait_received(3000)) << read_file(nf.log);
    ::kill(nf.daemon->pid(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);
    const std::string log = read_file(nf.log);
    const RingReport rep = last_ring_report(log, "p/print");
    ASSERT_TRUE(rep.found) << log;
    const std::uint64_t written = rep.written;
    const std::uint64_t dropped = rep.dropped;
    EXPECT_EQ(written + dropped, gen.totals().records);
    Table t = parse_csv(read_file(nf.path("out.csv")));
    std::uint64_t flows = 0;
    for (const auto& r : t.rows) flows += std::stoull(r.at(static_cast<std::size_t>(t.col("FLOWS"))));
    EXPECT_EQ(flows, written);
    if (dropped > 0) {
        EXPECT_THAT(log, HasSubstr("Missing data detected"));
    }
}

// SIGINT while datagrams pour in: the daemon stops promptly and every record the core accepted
// reaches the output.
TEST(Nfacctd, StartupDelayHoldsBackTimeBinsNotYetDue) {
    LiveNfacctd nf;
    nf.start("plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " + nf.path("out.csv") +
             "\nprint_output_file_append[p]: true\nprint_refresh_time[p]: 1\nprint_history[p]: 1m\n"
             "print_startup_delay[p]: 1\naggregate[p]: src_host, dst_host\n");
    const auto now = static_cast<std::uint32_t>(std::time(nullptr));
    V5Generator past(50, 30, now - 3600, 1);
    V5Generator future(50, 30, now + 7200, 2);
    Sender tx(nf.port);
    send_datagrams(tx, past, 20);
    send_datagrams(tx, future, 20);
    ASSERT_TRUE(nf.wait_received(40)) << read_file(nf.log);
    // Purges every second: the past bins are written, the bins two hours ahead are held.
    ASSERT_TRUE(wait_for([&] { return totals_of(parse_csv(read_file(nf.path("out.csv")))).packets > 0; }))
        << read_file(nf.log);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(totals_of(parse_csv(read_file(nf.path("out.csv")))).packets, past.totals().packets);
    // The last purge, on the way out, writes everything.
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);
    const V5Totals all = totals_of(parse_csv(read_file(nf.path("out.csv"))));
    EXPECT_EQ(all.packets, past.totals().packets + future.totals().packets);
    EXPECT_EQ(all.bytes, past.totals().bytes + future.totals().bytes);
}

TEST(Nfacctd, AStoppedPluginLosesOnlyItsOwnData) {
    LiveNfacctd nf;
    nf.start("plugins: print[ok], print[stuck]\nprint_output: csv\nprint_refresh_time: 3600\n"
             "aggregate: src_host, flows\n"
             "print_output_file[ok]: " + nf.path("ok.csv") + "\nprint_output_file[stuck]: " + nf.path("stuck.csv") +
             "\nplugin_pipe_size[stuck]: 8192\nplugin_buffer_size[stuck]: 1024\n");
    std::uint64_t stuck_pid = 0;
    ASSERT_TRUE(wait_for([&] {
        stuck_pid = std::strtoull(read_file(nf.path("nf.pid-print-stuck")).c_str(), nullptr, 10);
        return stuck_pid > 0;
    }));
    ASSERT_EQ(::kill(static_cast<pid_t>(stuck_pid), SIGSTOP), 0);
    V5Generator gen(1000, 30, 1795340000);
    Sender tx(nf.port);
    const auto start = std::chrono::steady_clock::now();
    send_datagrams(tx, gen, 3000);
    ASSERT_TRUE(nf.wait_received(3000)) << read_file(nf.log);
    // The core waited for the stuck plugin a moment at most (a plugin that makes no progress is
    // not waited for), not for every batch.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    ASSERT_EQ(::kill(static_cast<pid_t>(stuck_pid), SIGCONT), 0);
    EXPECT_EQ(nf.daemon->stop(SIGINT), 0);
    const std::string log = read_file(nf.log);
    auto flows_in = [](const std::string& csv) {
        Table t = parse_csv(csv);
        std::uint64_t flows = 0;
        for (const auto& r : t.rows) flows += std::stoull(r.at(static_cast<std::size_t>(t.col("FLOWS"))));
        return flows;
    };
    EXPECT_EQ(flows_in(read_file(nf.path("ok.csv"))), gen.totals().records);
    const RingReport ok = last_ring_report(log, "ok/print");
    EXPECT_EQ(ok.dropped, 0u) << log;
    const RingReport stuck = last_ring_report(log, "stuck/print");
    ASSERT_TRUE(stuck.found) << log;
    EXPECT_GT(stuck.dropped, 0u);
    EXPECT_EQ(stuck.written + stuck.dropped, gen.totals().records);
    EXPECT_EQ(flows_in(read_file(nf.path("stuck.csv"))), stuck.written);
    EXPECT_THAT(log, HasSubstr("Missing data detected"));
}

TEST(Nfacctd, SigintUnderLoadLosesNothingAccounted) {
    LiveNfacctd nf;
    nf.start("plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: " + nf.path("out.csv") +
             "\nprint_refresh_time: 3600\naggregate: src_host, flows\n");
    std::atomic<bool> stop{false};
    std::thread sender([&] {
        V5Generator gen(5000, 30, 1795340000);
        Sender tx(nf.port);
        std::vector<std::uint8_t> d;
        while (!stop) {
            gen.next(d);
            tx.send(d);
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const int rc = nf.daemon->stop(SIGINT, 30000);
    stop = true;
    sender.join();
    EXPECT_EQ(rc, 0) << read_file(nf.log);
    const std::string log = read_file(nf.log);
    const RingReport rep = last_ring_report(log, "p/print");
    ASSERT_TRUE(rep.found) << log;
    Table t = parse_csv(read_file(nf.path("out.csv")));
    std::uint64_t flows = 0;
    for (const auto& r : t.rows) flows += std::stoull(r.at(static_cast<std::size_t>(t.col("FLOWS"))));
    EXPECT_EQ(flows, rep.written);
    EXPECT_GT(flows, 0U);
}

// print_preprocess keeps only the aggregates over a threshold; print_trigger_exec runs after
// every purge.
TEST(Nfacctd, PreprocessThresholdsAndTriggerExec) {
    TempDir dir;
    V5Generator gen(300, 30, 1795340000);
    gen.track(true);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 50, 0x7F000001U, 2100));
    const std::string trigger = dir.path() + "/trigger.sh";
    std::ofstream(trigger) << "#!/bin/sh\necho purged >> " << dir.path() << "/trigger.out\n";
    ::chmod(trigger.c_str(), 0755);
    Table t = print_savefile(dir, "print_preprocess[p]: minp=60\nprint_trigger_exec[p]: " + trigger + "\n");
    std::size_t expected = 0;
    for (const auto& [f, tot] : gen.per_flow()) expected += tot.packets >= 60 ? 1 : 0;
    ASSERT_GT(expected, 0U);
    ASSERT_LT(expected, gen.per_flow().size());
    EXPECT_EQ(t.rows.size(), expected);
    for (const auto& row : t.rows) EXPECT_GE(std::stoull(row.at(static_cast<std::size_t>(t.col("PACKETS")))), 60U);
    EXPECT_EQ(read_file(dir.path() + "/trigger.out"), "purged\n");
}

// A threshold on flows (minf) works when `flows` is not aggregated: the cache then still counts
// them (it leaves the flows counter out only when nothing reads it).
TEST(Nfacctd, PreprocessOnFlowsWithoutTheFlowsColumn) {
    TempDir dir;
    V5Generator gen(300, 30, 1795340000);
    gen.track(true);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 50, 0x7F000001U, 2100));
    Table t = print_savefile(dir, "print_preprocess[p]: minf=6\n");
    EXPECT_EQ(t.col("FLOWS"), -1);
    std::size_t expected = 0;
    for (const auto& [f, tot] : gen.per_flow()) expected += tot.records >= 6 ? 1 : 0;
    ASSERT_GT(expected, 0U);
    ASSERT_LT(expected, gen.per_flow().size());
    EXPECT_EQ(t.rows.size(), expected);
}

// Debian's nfacctd 1.7.7, same capture, same configuration: the same rows.
TEST(Nfacctd, DebianPmacctAgreesOnTheSameCapture) {
    if (::access("/usr/sbin/nfacctd", X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
    TempDir dir;
    V5Generator gen(400, 30, 1795340000);
    ASSERT_TRUE(write_v5_pcap(dir.path() + "/in.pcap", gen, 100, 0x0A000001U, 2100));
    const std::string common = "pcap_savefile: " + dir.path() + "/in.pcap\nplugins: print[p]\n"
                               "print_output[p]: csv\nprint_refresh_time: 3600\n"
                               "aggregate: peer_src_ip, src_host, dst_host, src_port, dst_port, proto, tos, "
                               "tcpflags, src_as, dst_as, src_mask, dst_mask, in_iface, out_iface, "
                               "export_proto_version, src_net, dst_net\n";
    std::ofstream(dir.path() + "/ours.conf") << common << "print_output_file[p]: " << dir.path() << "/ours.csv\n";
    std::ofstream(dir.path() + "/theirs.conf") << common << "print_output_file[p]: " << dir.path() << "/theirs.csv\n";
    auto ours = run_program({"nfacctd", "-f", dir.path() + "/ours.conf"}, 30000);
    ASSERT_EQ(ours.exit_code, 0) << ours.err;
    // Debian's nfacctd keeps running after a savefile and must be stopped with SIGINT.
    auto theirs = run_program({"/usr/bin/timeout", "-s", "INT", "-k", "5", "4", "/usr/sbin/nfacctd", "-f",
                               dir.path() + "/theirs.conf"}, 20000);
    auto a = parse_csv(read_file(dir.path() + "/ours.csv"));
    auto b = parse_csv(read_file(dir.path() + "/theirs.csv"));
    ASSERT_FALSE(b.rows.empty()) << theirs.err;
    EXPECT_EQ(a.header, b.header);
    std::multiset<std::vector<std::string>> ra(a.rows.begin(), a.rows.end());
    std::multiset<std::vector<std::string>> rb(b.rows.begin(), b.rows.end());
    EXPECT_EQ(ra.size(), rb.size());
    EXPECT_TRUE(ra == rb) << "rows differ";
}

}  // namespace
}  // namespace pmacct::testing
