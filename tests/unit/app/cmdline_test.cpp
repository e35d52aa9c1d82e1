#include "pmacct/app/cmdline.hpp"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pmacct/config/registry.hpp"

namespace pmacct::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> lines_of(Daemon d, std::vector<const char*> args) {
    auto cl = parse_command_line(d, args);
    EXPECT_TRUE(cl.has_value()) << (cl.has_value() ? "" : cl.error());
    std::vector<std::string> out;
    if (cl) {
        for (const auto& l : cl->lines) out.push_back(l.text);
    }
    return out;
}

// pmacct's getopt strings (reference §4.3); our tables must accept exactly these letters.
struct Getopt {
    Daemon daemon;
    std::string_view letters;
};
constexpr Getopt kGetopt[] = {
    {Daemon::kNfacctd, "n:dDhP:b:f:F:c:m:p:r:s:S:L:l:o:t:O:MuRVaAE:I:WZ:Y:T:"},
    {Daemon::kSfacctd, "n:dDhP:b:f:F:c:m:p:r:s:S:L:l:o:t:O:MuRVaAE:I:WZ:Y:T:"},
    {Daemon::kPmacctd, "n:NdDhP:b:f:F:c:i:I:m:p:r:s:S:o:t:O:MuwWZ:Y:L:RVazAE:T:"},
    {Daemon::kUacctd, "n:dDhP:b:f:F:c:m:p:r:s:S:o:t:O:MuRg:L:VaAE:T:"},
    {Daemon::kPmbgpd, "hVL:l:f:dDS:F:o:O:i:gm:T:a"},
    {Daemon::kPmbmpd, "hVL:l:f:dDS:F:o:O:i:I:Z:Y:R:T:a"},
    {Daemon::kPmtelemetryd, "hVL:u:t:f:dDS:F:o:O:i:T:a"},
};

TEST(CommandLine, SwitchesAreExactlyPmacctsGetoptStrings) {
    for (const auto& g : kGetopt) {
        SCOPED_TRACE(std::string(daemon_name(g.daemon)));
        std::set<char> expected_arg;
        std::set<char> expected_flag;
        for (std::size_t i = 0; i < g.letters.size(); ++i) {
            bool arg = i + 1 < g.letters.size() && g.letters[i + 1] == ':';
            (arg ? expected_arg : expected_flag).insert(g.letters[i]);
            if (arg) ++i;
        }
        std::set<char> got_arg;
        std::set<char> got_flag;
        for (const auto& s : daemon_info(g.daemon).switches) {
            EXPECT_TRUE((s.takes_arg ? got_arg : got_flag).insert(s.letter).second) << s.letter;
        }
        EXPECT_EQ(got_arg, expected_arg);
        EXPECT_EQ(got_flag, expected_flag);
    }
}

TEST(CommandLine, EverySwitchSetsARegisteredKeyWithAValidValue) {
    const auto& reg = config::KeyRegistry::instance();
    for (const auto& g : kGetopt) {
        for (const auto& s : daemon_info(g.daemon).switches) {
            if (s.key.empty()) continue;
            const config::KeySpec* k = reg.find(s.key);
            ASSERT_NE(k, nullptr) << daemon_name(g.daemon) << " -" << s.letter << " sets unknown key " << s.key;
            if (!s.takes_arg) {
                EXPECT_TRUE(config::validate_value(*k, s.fixed).has_value()) << s.key << ": " << s.fixed;
            }
            EXPECT_FALSE(s.help.empty());
        }
    }
}

TEST(CommandLine, TrafficDaemonSwitchesMapToKeys) {
    auto l = lines_of(Daemon::kNfacctd,
                      {"-D", "-d", "-P", "print", "-c", "src_host,dst_host", "-n", "/n.lst", "-t", "/p.lst",
                       "-S", "local2", "-F", "/run/nf.pid", "-R", "-u", "-r", "30", "-O", "csv", "-o",
                       "/tmp/out", "-M", "-A", "-E", ";", "-p", "/tmp/p", "-b", "100", "-m", "8", "-s",
                       "65535", "-L", "127.0.0.1", "-l", "2100", "-I", "/f.pcap", "-W", "-Z", "2", "-Y",
                       "3", "-T", "config"});
    EXPECT_THAT(l, ElementsAre("daemonize: true", "debug: true", "plugins: print",
                               "aggregate: src_host,dst_host", "networks_file: /n.lst", "ports_file: /p.lst",
                               "syslog: local2", "pidfile: /run/nf.pid", "nfacctd_renormalize: true",
                               "print_num_protos: true", "sql_refresh_time: 30", "print_output: csv",
                               "print_output_file: /tmp/out", "print_markers: true",
                               "print_output_file_append: true", "print_output_separator: ;",
                               "imt_path: /tmp/p", "imt_buckets: 100", "imt_mem_pools_number: 8",
                               "imt_mem_pools_size: 65535", "nfacctd_ip: 127.0.0.1", "nfacctd_port: 2100",
                               "pcap_savefile: /f.pcap", "pcap_savefile_wait: true",
                               "pcap_savefile_delay: 2", "pcap_savefile_replay: 3", "dry_run: config"));
    EXPECT_THAT(lines_of(Daemon::kSfacctd, {"-L", "::1", "-l", "6343"}),
                ElementsAre("sfacctd_ip: ::1", "sfacctd_port: 6343"));
}

TEST(CommandLine, PmacctdAndUacctdSwitches) {
    EXPECT_THAT(lines_of(Daemon::kPmacctd, {"-i", "eth0", "-w", "-N", "-z", "-L", "700"}),
                ElementsAre("pcap_interface: eth0", "pcap_interface_wait: true", "promisc: false",
                            "pmacctd_nonroot: true", "snaplen: 700"));
    EXPECT_THAT(lines_of(Daemon::kUacctd, {"-g", "5", "-L", "700"}),
                ElementsAre("uacctd_group: 5", "snaplen: 700"));
}

TEST(CommandLine, CollectorSwitches) {
    EXPECT_THAT(lines_of(Daemon::kPmbgpd, {"-L", "127.0.0.1", "-l", "1179", "-o", "/m", "-O", "/d", "-i",
                                           "300", "-g", "-m", "/x.map"}),
                ElementsAre("bgp_daemon_ip: 127.0.0.1", "bgp_daemon_port: 1179", "bgp_daemon_msglog_file: /m",
                            "bgp_table_dump_file: /d", "bgp_table_dump_refresh_time: 300",
                            "bgp_daemon_lg: true", "bgp_daemon_xconnect_map: /x.map"));
    EXPECT_THAT(lines_of(Daemon::kPmbmpd, {"-L", "::1", "-l", "1790", "-o", "/m", "-O", "/d", "-i", "60",
                                           "-I", "/b.pcap", "-Z", "1", "-Y", "2", "-R", "tcp port 1790"}),
                ElementsAre("bmp_daemon_ip: ::1", "bmp_daemon_port: 1790", "bmp_daemon_msglog_file: /m",
                            "bmp_dump_file: /d", "bmp_dump_refresh_time: 60", "pcap_savefile: /b.pcap",
                            "pcap_savefile_delay: 1", "pcap_savefile_replay: 2", "pcap_filter: tcp port 1790"));
    EXPECT_THAT(lines_of(Daemon::kPmtelemetryd, {"-L", "0.0.0.0", "-u", "1620", "-t", "1621", "-o", "/m",
                                                 "-O", "/d", "-i", "60"}),
                ElementsAre("telemetry_daemon_ip: 0.0.0.0", "telemetry_daemon_port_udp: 1620",
                            "telemetry_daemon_port_tcp: 1621", "telemetry_daemon_msglog_file: /m",
                            "telemetry_dump_file: /d", "telemetry_dump_refresh_time: 60"));
}

TEST(CommandLine, GroupedAndAttachedForms) {
    EXPECT_THAT(lines_of(Daemon::kNfacctd, {"-dD", "-r30", "-Pprint"}),
                ElementsAre("debug: true", "daemonize: true", "sql_refresh_time: 30", "plugins: print"));
    auto cl = parse_command_line(Daemon::kNfacctd, std::vector<const char*>{"-f", "/etc/nf.conf", "-h", "-V", "-a"});
    ASSERT_TRUE(cl.has_value());
    EXPECT_EQ(cl->config_file, "/etc/nf.conf");
    EXPECT_TRUE(cl->help);
    EXPECT_TRUE(cl->version);
    EXPECT_TRUE(cl->list_primitives);
    EXPECT_TRUE(cl->lines.empty());
}

TEST(CommandLine, FilterWordsArePositionalArguments) {
    auto cl = parse_command_line(Daemon::kPmacctd,
                                 std::vector<const char*>{"-D", "-i", "eth0", "src", "net", "10.0.0.0/16"});
    ASSERT_TRUE(cl.has_value());
    EXPECT_THAT(cl->arguments, ElementsAre("src", "net", "10.0.0.0/16"));
    auto dashdash = parse_command_line(Daemon::kPmacctd, std::vector<const char*>{"--", "-x"});
    ASSERT_TRUE(dashdash.has_value());
    EXPECT_THAT(dashdash->arguments, ElementsAre("-x"));
}

TEST(CommandLine, Errors) {
    auto bad = parse_command_line(Daemon::kNfacctd, std::vector<const char*>{"-x"});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error(), "invalid option -- 'x'");
    auto missing = parse_command_line(Daemon::kNfacctd, std::vector<const char*>{"-c"});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error(), "option requires an argument -- 'c'");
    // pmacctd's -i is not a switch of nfacctd.
    EXPECT_FALSE(parse_command_line(Daemon::kNfacctd, std::vector<const char*>{"-i", "eth0"}).has_value());
}

TEST(CommandLine, UsageListsEverySwitch) {
    for (int i = 0; i < kDaemonCount; ++i) {
        auto d = static_cast<Daemon>(i);
        std::string u = usage(d);
        EXPECT_THAT(u, HasSubstr(std::string("Usage: ") + std::string(daemon_name(d))));
        for (const auto& s : daemon_info(d).switches) {
            EXPECT_THAT(u, HasSubstr(std::string("  -") + s.letter + "  ")) << daemon_name(d);
        }
    }
}

}  // namespace
}  // namespace pmacct::app
