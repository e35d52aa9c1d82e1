// The eight programs as a user meets them: -h, -V, -a, configuration errors, dry runs.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "run_program.hpp"

namespace pmacct::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> daemons() {
    std::vector<std::string> d = {"pmacctd", "nfacctd", "sfacctd", "pmbgpd", "pmbmpd", "pmtelemetryd"};
    if (PMACCT_HAVE_UACCTD) d.emplace_back("uacctd");
    return d;
}

std::string write_temp(const std::string& text) {
    char path[] = "/tmp/pmacct-ng-conf-XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << text;
    return path;
}

TEST(Programs, AllEightAreBuilt) {
    if (!PMACCT_HAVE_UACCTD) GTEST_SKIP() << "uacctd is built with ENABLE_NFLOG only";
    for (const auto& d : daemons()) EXPECT_EQ(::access(program_path(d).c_str(), X_OK), 0) << d;
    EXPECT_EQ(::access(program_path("pmacct").c_str(), X_OK), 0);
}

TEST(Programs, HelpListsTheSwitches) {
    for (const auto& d : daemons()) {
        auto r = run_program({d, "-h"});
        EXPECT_EQ(r.exit_code, 0) << d;
        EXPECT_THAT(r.out, HasSubstr("Usage: " + d)) << d;
        EXPECT_THAT(r.out, HasSubstr("  -f  <arg>  Read the configuration from this file")) << d;
        EXPECT_THAT(r.out, HasSubstr("  -T  <arg>  [ config | setup ]")) << d;
    }
    EXPECT_THAT(run_program({"nfacctd", "-h"}).out, HasSubstr("  -l  <arg>  Listen on this UDP port"));
    EXPECT_THAT(run_program({"pmacctd", "-h"}).out, HasSubstr("  -i  <arg>  Capture from this interface"));
    EXPECT_THAT(run_program({"pmbgpd", "-h"}).out, HasSubstr("  -g         Run the Looking Glass server"));
    auto client = run_program({"pmacct", "-h"});
    EXPECT_EQ(client.exit_code, 0);
    EXPECT_THAT(client.out, HasSubstr("  -s  Show the whole table"));
}

TEST(Programs, VersionShowsBuildLibrariesAndPlugins) {
    for (const auto& d : daemons()) {
        auto r = run_program({d, "-V"});
        EXPECT_EQ(r.exit_code, 0) << d;
        EXPECT_THAT(r.out, HasSubstr(", " + d + " 0.")) << d;
        for (const char* section : {"Arguments:\n", "Libs:\n", "Plugins:\n", "System:\n", "Compiler:\n"}) {
            EXPECT_THAT(r.out, HasSubstr(section)) << d;
        }
        EXPECT_THAT(r.out, HasSubstr("libpcap version")) << d;
    }
    // Every optional library the build has (Arguments: ENABLE_X=ON) is reported under Libs.
    auto nf = run_program({"nfacctd", "-V"});
    const std::pair<const char*, const char*> kLibs[] = {
        {"ENABLE_NFLOG=ON", "netfilter_log "}, {"ENABLE_JANSSON=ON", "jansson "},
        {"ENABLE_KAFKA=ON", "rdkafka "},       {"ENABLE_AMQP=ON", "rabbitmq-c "},
        {"ENABLE_MYSQL=ON", "MariaDB client "}, {"ENABLE_PGSQL=ON", "PostgreSQL "},
        {"ENABLE_SQLITE3=ON", "sqlite3 "},     {"ENABLE_ZMQ=ON", "ZeroMQ "},
        {"ENABLE_GEOIPV2=ON", "MaxmindDB "},   {"ENABLE_NDPI=ON", "nDPI "},
        {"ENABLE_AVRO=ON", "avro-c "},         {"ENABLE_REDIS=ON", "hiredis "},
    };
    const auto from = nf.out.find("Libs:");
    const std::string libs = nf.out.substr(from, nf.out.find("Plugins:") - from);
    for (const auto& [option, lib] : kLibs) {
        const bool on = nf.out.find(option) != std::string::npos;
        EXPECT_EQ(libs.find(lib) != std::string::npos, on) << option;
    }
    EXPECT_EQ(run_program({"pmacct", "-V"}).exit_code, 0);
}

TEST(Programs, ListPrimitives) {
    auto nf = run_program({"nfacctd", "-a"});
    EXPECT_EQ(nf.exit_code, 0);
    EXPECT_THAT(nf.out, HasSubstr("NetFlow Accounting Daemon, nfacctd "));
    EXPECT_THAT(nf.out, HasSubstr("\npeer_src_ip                      : IP address or identificator"));
    auto pm = run_program({"pmacctd", "-a"});
    EXPECT_THAT(pm.out, Not(HasSubstr("\npeer_src_ip ")));
    for (const auto& d : {"pmbgpd", "pmbmpd", "pmtelemetryd"}) {
        auto r = run_program({d, "-a"});
        EXPECT_EQ(r.exit_code, 0) << d;
        EXPECT_THAT(r.out, HasSubstr("has no aggregation primitives")) << d;
    }
}

// Debian's nfacctd 1.7.7, when installed, lists nothing we do not.
TEST(Programs, ListCoversTheInstalledDebianPmacct) {
    for (const std::string d : {"nfacctd", "sfacctd", "pmacctd"}) {
        std::string debian = "/usr/sbin/" + d;
        if (::access(debian.c_str(), X_OK) != 0) GTEST_SKIP() << "Debian's pmacct is not installed";
        auto theirs = run_program({debian, "-a"});
        auto ours = run_program({d, "-a"});
        std::istringstream in(theirs.out);
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            auto sep = line.find(" : ");
            if (sep == std::string::npos) continue;
            ++n;
            EXPECT_THAT(ours.out, HasSubstr("\n" + line + "\n")) << d;
        }
        EXPECT_GT(n, 40) << d;
    }
}

TEST(Programs, MainJobNotImplementedSaysSoAndFails) {
    for (const auto& d : daemons()) {
        if (d == "nfacctd" || d == "pmacctd" || d == "sfacctd" || d == "uacctd") continue;  // they have their main job
        auto r = run_program({d});
        EXPECT_EQ(r.exit_code, 1) << d;
        EXPECT_THAT(r.err, HasSubstr("is not implemented yet in pmacct-ng")) << d;
    }
    // A plugin type that does not exist yet stops nfacctd before it starts.
    auto kafka = run_program({"nfacctd", "-P", "kafka", "-l", "1"});
    EXPECT_EQ(kafka.exit_code, 1);
    EXPECT_THAT(kafka.err, HasSubstr("the kafka plugin is not implemented yet"));
    // The client without a memory plugin to talk to.
    auto client = run_program({"pmacct", "-s", "-p", "/nonexistent/collect.pipe"});
    EXPECT_EQ(client.exit_code, 1);
    EXPECT_THAT(client.err, HasSubstr("cannot reach the memory plugin at /nonexistent/collect.pipe"));
}

TEST(Programs, MalformedConfigNamesFileAndLine) {
    std::string conf = write_temp(
        "! nfacctd\n"
        "plugins: print[foo]\n"
        "print_refresh_time[foo]: often\n"
        "nfacctd_port: 99999\n"
        "aggregate: src_host, no_such_primitive\n");
    auto r = run_program({"nfacctd", "-f", conf, "-T", "config"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("ERROR ( default/core ): " + conf + ":3: print_refresh_time: expected a duration"));
    EXPECT_THAT(r.err, HasSubstr(conf + ":4: nfacctd_port: must be between 1 and 65535"));
    EXPECT_THAT(r.err, HasSubstr(conf + ":5: aggregate: unknown primitive 'no_such_primitive'"));
    EXPECT_THAT(r.err, HasSubstr("3 configuration errors; not starting"));
    // Without -T the daemon stops at the same point.
    EXPECT_EQ(run_program({"nfacctd", "-f", conf}).exit_code, 1);
    ::unlink(conf.c_str());
}

TEST(Programs, DryRunValidConfig) {
    std::string conf = write_temp(
        "core_proc_name: edge1\n"
        "plugins: print[foo]\n"
        "aggregate[foo]: src_host, dst_host\n"
        "no_such_key: 1\n"
        "logfile: /nonexistent-dir-for-dry-run/x.log\n");
    auto r = run_program({"nfacctd", "-f", conf, "-T", "config"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, HasSubstr("WARN ( edge1/core ): " + conf + ":4: Unknown key: no_such_key. Ignored."));
    EXPECT_THAT(r.err, HasSubstr("INFO ( edge1/core ): " + conf + ": configuration is valid (1 plugin)"));
    // A dry run creates nothing.
    EXPECT_NE(::access("/nonexistent-dir-for-dry-run", F_OK), 0);
    ::unlink(conf.c_str());
}

TEST(Programs, SwitchesOverrideTheFileAndAreChecked) {
    std::string conf = write_temp("nfacctd_port: 2100\n");
    auto bad = run_program({"nfacctd", "-f", conf, "-l", "0", "-T", "config"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.err, HasSubstr("command line -l: nfacctd_port: must be between 1 and 65535"));
    auto wrong = run_program({"nfacctd", "-i", "eth0"});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_THAT(wrong.err, HasSubstr("nfacctd: invalid option -- 'i'"));
    auto extra = run_program({"nfacctd", "src", "net", "10.0.0.0/8"});
    EXPECT_EQ(extra.exit_code, 1);
    EXPECT_THAT(extra.err, HasSubstr("unexpected argument 'src'"));
    auto bad_dry = run_program({"nfacctd", "-T", "check"});
    EXPECT_EQ(bad_dry.exit_code, 1);
    EXPECT_THAT(bad_dry.err, HasSubstr("dry_run: expected config or setup"));
    ::unlink(conf.c_str());
}

TEST(Programs, PmacctdTakesTheFilterFromTrailingWords) {
    auto good = run_program({"pmacctd", "-i", "lo", "-T", "config", "src", "net", "10.0.0.0/16"});
    EXPECT_EQ(good.exit_code, 0) << good.err;
    auto bad = run_program({"pmacctd", "-i", "lo", "-T", "config", "src", "nett", "10.0.0.0/16"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.err, HasSubstr("command line filter: pcap_filter: invalid filter"));
}

TEST(Programs, MissingConfigFile) {
    auto r = run_program({"sfacctd", "-f", "/nonexistent/sfacctd.conf"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("/nonexistent/sfacctd.conf: cannot read the configuration file"));
}

}  // namespace
}  // namespace pmacct::testing
