#include "pmacct/config/config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> texts(const Config& c, Diagnostic::Severity s) {
    std::vector<std::string> out;
    for (const auto& d : c.diagnostics) {
        if (d.severity == s) out.push_back(d.text());
    }
    return out;
}
std::vector<std::string> errors(const Config& c) { return texts(c, Diagnostic::Severity::kError); }
std::vector<std::string> warnings(const Config& c) { return texts(c, Diagnostic::Severity::kWarning); }

bool any_contains(const std::vector<std::string>& v, std::string_view needle) {
    for (const auto& s : v) {
        if (s.find(needle) != std::string::npos) return true;
    }
    return false;
}

const PluginInstance& plugin(const Config& c, std::string_view name) {
    for (const auto& p : c.plugins) {
        if (p.name == name) return p;
    }
    ADD_FAILURE() << "no plugin " << name;
    static PluginInstance none;
    return none;
}

TEST(ConfigLoad, CommentsBlankLinesAndCase) {
    auto c = load_text(Daemon::kNfacctd,
                       "! a comment\n"
                       "# another comment\n"
                       "\n"
                       "   ! indented comment\n"
                       "NFACCTD_PORT: 5678\n"
                       "Print_Refresh_Time :   30  \n",
                       "t.conf");
    EXPECT_THAT(errors(c), ElementsAre());
    EXPECT_EQ(c.core.get_uint("nfacctd_port"), 5678U);
    EXPECT_EQ(c.core.get_seconds("print_refresh_time"), 30);
}

TEST(ConfigLoad, DefaultsComeFromTheRegistry) {
    auto c = load_text(Daemon::kNfacctd, "");
    EXPECT_FALSE(c.core.is_set("print_refresh_time"));
    EXPECT_EQ(c.core.get_seconds("print_refresh_time"), 60);
    EXPECT_EQ(c.core.get_string("core_proc_name"), "default");
    EXPECT_FALSE(c.core.get_bool("daemonize"));
    EXPECT_FALSE(c.core.value("pidfile").has_value());
}

TEST(ConfigLoad, AliasesSetTheSameSetting) {
    auto c = load_text(Daemon::kNfacctd,
                       "print_refresh_time: 30\n"
                       "kafka_refresh_time: 90\n");
    EXPECT_EQ(c.core.get_seconds("sql_refresh_time"), 90);
    EXPECT_EQ(c.core.get_seconds("print_refresh_time"), 90);
}

TEST(ConfigLoad, PluginsGetDefaultNamesAndScopedValues) {
    auto c = load_text(Daemon::kNfacctd,
                       "plugins: print[foo], memory, print\n"
                       "aggregate: src_host\n"
                       "aggregate[foo]: dst_host, dst_port\n",
                       "t.conf");
    EXPECT_THAT(errors(c), ElementsAre());
    ASSERT_EQ(c.plugins.size(), 3U);
    EXPECT_EQ(c.plugins[0].name, "foo");
    EXPECT_EQ(c.plugins[1].name, "default_memory");
    EXPECT_EQ(c.plugins[2].name, "default_print");
    EXPECT_THAT(plugin(c, "foo").aggregate, ElementsAre("dst_host", "dst_port"));
    EXPECT_THAT(plugin(c, "default_memory").aggregate, ElementsAre("src_host"));
}

TEST(ConfigLoad, PluginsLineIsReadFirstWhereverItStands) {
    auto c = load_text(Daemon::kNfacctd,
                       "aggregate[in]: dst_host\n"
                       "plugins: memory[in], memory[out]\n");
    EXPECT_THAT(errors(c), ElementsAre());
    EXPECT_THAT(plugin(c, "in").aggregate, ElementsAre("dst_host"));
    EXPECT_THAT(plugin(c, "out").aggregate, ElementsAre("src_host"));
}

TEST(ConfigLoad, LinesApplyInFileOrder) {
    // A later unscoped line overrides an earlier scoped one, as in pmacct.
    auto c = load_text(Daemon::kNfacctd,
                       "plugins: print[a], print[b]\n"
                       "print_refresh_time[a]: 10\n"
                       "print_refresh_time: 20\n"
                       "print_refresh_time[b]: 30\n");
    EXPECT_EQ(plugin(c, "a").settings.get_seconds("print_refresh_time"), 20);
    EXPECT_EQ(plugin(c, "b").settings.get_seconds("print_refresh_time"), 30);
    EXPECT_EQ(c.core.get_seconds("print_refresh_time"), 20);
    const Origin* o = plugin(c, "b").settings.origin("print_refresh_time");
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->line, 4);
}

TEST(ConfigLoad, NoPluginsMeansTheMemoryPlugin) {
    auto c = load_text(Daemon::kPmacctd, "aggregate: src_host, dst_host\n");
    ASSERT_EQ(c.plugins.size(), 1U);
    EXPECT_EQ(c.plugins[0].type, "memory");
    EXPECT_EQ(c.plugins[0].name, "default_memory");
    EXPECT_THAT(c.plugins[0].aggregate, ElementsAre("src_host", "dst_host"));
}

TEST(ConfigLoad, CollectorsWithoutTrafficHaveNoPlugins) {
    auto c = load_text(Daemon::kPmbgpd, "bgp_daemon_port: 1790\n");
    EXPECT_TRUE(c.plugins.empty());
    EXPECT_THAT(errors(c), ElementsAre());
}

TEST(ConfigLoad, DuplicatePluginNamesKeepTheFirst) {
    auto c = load_text(Daemon::kNfacctd, "plugins: print[x], memory[x]\n", "t.conf");
    ASSERT_EQ(c.plugins.size(), 1U);
    EXPECT_EQ(c.plugins[0].type, "print");
    EXPECT_TRUE(any_contains(warnings(c), "t.conf:1: plugins: plugin name 'x' is used twice"));
}

TEST(ConfigLoad, PluginTypeErrors) {
    auto unknown = load_text(Daemon::kNfacctd, "plugins: printer\n", "t.conf");
    EXPECT_TRUE(any_contains(errors(unknown), "t.conf:1: plugins: unknown plugin type 'printer'"));
    auto wrong_daemon = load_text(Daemon::kNfacctd, "plugins: nfprobe\n", "t.conf");
    EXPECT_TRUE(any_contains(errors(wrong_daemon), "plugin type 'nfprobe' cannot run in nfacctd"));
    auto tee_mix = load_text(Daemon::kNfacctd, "plugins: tee[a], print[b]\n", "t.conf");
    EXPECT_TRUE(any_contains(errors(tee_mix), "tee plugin cannot run together"));
    auto syntax = load_text(Daemon::kNfacctd, "plugins: print[a\n", "t.conf");
    EXPECT_TRUE(any_contains(errors(syntax), "expected type or type[name]"));
}

TEST(ConfigLoad, UnknownKeyWarnsLikePmacct) {
    auto c = load_text(Daemon::kNfacctd, "no_such_key: 1\n", "t.conf");
    EXPECT_THAT(errors(c), ElementsAre());
    EXPECT_THAT(warnings(c), ElementsAre("t.conf:1: Unknown key: no_such_key. Ignored."));
}

TEST(ConfigLoad, KeysNotImplementedYetWarnOnce) {
    auto c = load_text(Daemon::kNfacctd,
                       "plugins: print[a], print[b], mysql[c]\n"
                       "as_path_encode_as_array: true\n"
                       "as_path_encode_as_array: false\n",
                       "t.conf");
    int count = 0;
    for (const auto& w : warnings(c)) {
        if (w.find("as_path_encode_as_array: not implemented yet") != std::string::npos) ++count;
    }
    EXPECT_EQ(count, 1);
    EXPECT_TRUE(any_contains(warnings(c), "plugin type 'mysql' is not implemented yet"));
    EXPECT_FALSE(any_contains(warnings(c), "plugin type 'print' is not implemented yet"));
}

TEST(ConfigLoad, InvalidValuesNameFileLineAndKey) {
    auto c = load_text(Daemon::kNfacctd,
                       "nfacctd_port: 70000\n"
                       "daemonize: maybe\n"
                       "print_history: 90\n"
                       "print_output: xml\n"
                       "aggregate_filter[x]: src nett 10.0.0.0/8\n"
                       "files_umask: 0\n",
                       "/etc/pmacct/nfacctd.conf");
    auto e = errors(c);
    ASSERT_EQ(e.size(), 6U);
    EXPECT_EQ(e[0], "/etc/pmacct/nfacctd.conf:1: nfacctd_port: must be between 1 and 65535");
    EXPECT_EQ(e[1], "/etc/pmacct/nfacctd.conf:2: daemonize: expected true or false");
    EXPECT_THAT(e[2], HasSubstr("nfacctd.conf:3: print_history: a value in seconds of 60 or more"));
    EXPECT_THAT(e[3], HasSubstr("nfacctd.conf:4: print_output: expected formatted, csv, json"));
    EXPECT_THAT(e[4], HasSubstr("nfacctd.conf:5: aggregate_filter: invalid filter"));
    EXPECT_THAT(e[5], HasSubstr("nfacctd.conf:6: files_umask: must remove write permission"));
    EXPECT_TRUE(c.has_errors());
}

TEST(ConfigLoad, SyntaxErrors) {
    auto c = load_text(Daemon::kNfacctd,
                       "daemonize true\n"
                       "aggregate[foo: src_host\n"
                       "aggregate]foo[: src_host\n"
                       "aggregate[a][b]: src_host\n"
                       "aggregate[]: src_host\n"
                       ": value\n"
                       "debug:\n",
                       "t.conf");
    auto e = errors(c);
    ASSERT_EQ(e.size(), 7U);
    EXPECT_EQ(e[0], "t.conf:1: syntax error: expected 'key: value', got 'daemonize true'");
    EXPECT_EQ(e[1], "t.conf:2: aggregate: syntax error: '[' without ']'");
    EXPECT_THAT(e[2], HasSubstr("t.conf:3: "));
    EXPECT_THAT(e[3], HasSubstr("t.conf:4: aggregate: syntax error: a key takes one [plugin name]"));
    EXPECT_EQ(e[4], "t.conf:5: aggregate: syntax error: empty plugin name in []");
    EXPECT_EQ(e[5], "t.conf:6: syntax error: missing key before ':'");
    EXPECT_EQ(e[6], "t.conf:7: debug: missing value");
}

TEST(ConfigLoad, ScopeRules) {
    auto c = load_text(Daemon::kNfacctd,
                       "plugins: print[a]\n"
                       "daemonize[a]: true\n"          // global key: scope ignored, applied
                       "aggregate_filter: net 10.0.0.0/8\n"  // per-plugin only: ignored
                       "aggregate[nobody]: dst_host\n",     // undeclared plugin: ignored
                       "t.conf");
    EXPECT_THAT(errors(c), ElementsAre());
    EXPECT_TRUE(c.core.get_bool("daemonize"));
    EXPECT_TRUE(any_contains(warnings(c), "t.conf:2: daemonize: applies to the whole daemon"));
    EXPECT_FALSE(plugin(c, "a").settings.is_set("aggregate_filter"));
    EXPECT_TRUE(any_contains(warnings(c), "t.conf:3: aggregate_filter: cannot apply to all plugins"));
    EXPECT_TRUE(any_contains(warnings(c), "t.conf:4: aggregate: no plugin named 'nobody'"));
    EXPECT_THAT(plugin(c, "a").aggregate, ElementsAre("src_host"));
}

TEST(ConfigLoad, KeysOfOtherDaemonsWarn) {
    auto c = load_text(Daemon::kNfacctd, "pcap_interface: eth0\n", "t.conf");
    EXPECT_THAT(errors(c), ElementsAre());
    EXPECT_TRUE(any_contains(warnings(c), "t.conf:1: pcap_interface: not used by nfacctd; ignored"));
    EXPECT_FALSE(c.core.is_set("pcap_interface"));
}

TEST(ConfigLoad, AggregateIsCheckedPerPluginAndDaemon) {
    auto c = load_text(Daemon::kPmacctd,
                       "plugins: print[a], print[b], print[c], print[d]\n"
                       "aggregate[a]: src_host, bogus\n"
                       "aggregate[b]: post_nat_src_host\n"
                       "aggregate[c]: sum_host, dst_port\n"
                       "aggregate[d]: src_host, src_host\n",
                       "t.conf");
    auto e = errors(c);
    ASSERT_EQ(e.size(), 4U);
    EXPECT_THAT(e[0], HasSubstr("t.conf:2: aggregate: unknown primitive 'bogus'"));
    EXPECT_THAT(e[1], HasSubstr("t.conf:3: aggregate: primitive 'post_nat_src_host' is not supported by pmacctd"));
    EXPECT_THAT(e[2], HasSubstr("t.conf:4: aggregate: 'sum_host' cannot be combined"));
    EXPECT_THAT(e[3], HasSubstr("t.conf:5: aggregate: primitive 'src_host' is listed twice"));
}

TEST(ConfigLoad, CustomPrimitivesFromAggregatePrimitives) {
    char path[] = "/tmp/pmacct-ng-prims-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << "! custom\nname=vrf_id_ingress field_type=234 len=4 semantics=u_int\n";
    auto ok = load_text(Daemon::kNfacctd,
                        std::string("aggregate: peer_src_ip, vrf_id_ingress\naggregate_primitives: ") +
                            path + "\n");
    EXPECT_THAT(errors(ok), ElementsAre());
    EXPECT_THAT(ok.plugins.at(0).aggregate, ElementsAre("peer_src_ip", "vrf_id_ingress"));
    unlink(path);
    auto missing = load_text(Daemon::kNfacctd,
                             "aggregate: vrf_id_ingress\naggregate_primitives: /nonexistent/p.lst\n",
                             "t.conf");
    EXPECT_TRUE(any_contains(errors(missing), "t.conf:2: aggregate_primitives: cannot read"));
}

TEST(ConfigLoad, ExtraLinesComeAfterTheFile) {
    std::vector<ConfigLine> extra = {{"print_refresh_time: 5", Origin{"command line -r", 0}}};
    auto c = load_text(Daemon::kNfacctd, "print_refresh_time: 300\n", "t.conf", extra);
    EXPECT_EQ(c.core.get_seconds("print_refresh_time"), 5);
    std::vector<ConfigLine> bad = {{"print_refresh_time: soon", Origin{"command line -r", 0}}};
    auto e = load_text(Daemon::kNfacctd, "", "t.conf", bad);
    EXPECT_THAT(errors(e), ElementsAre("command line -r: print_refresh_time: expected a duration "
                                       "such as 30, 90s, 5m, 1h or 1d"));
}

TEST(ConfigLoad, PluginNamesCountOnlyWithAConfigFile) {
    std::vector<ConfigLine> extra = {{"plugins: print[foo]", Origin{"command line -P", 0}}};
    auto no_file = load(LoadOptions{Daemon::kNfacctd, "", extra});
    ASSERT_EQ(no_file.plugins.size(), 1U);
    EXPECT_EQ(no_file.plugins[0].name, "default_print");
    auto with_file = load_text(Daemon::kNfacctd, "", "t.conf", extra);
    EXPECT_EQ(with_file.plugins.at(0).name, "foo");
}

TEST(ConfigLoad, MissingFileIsAnError) {
    auto c = load(LoadOptions{Daemon::kNfacctd, "/nonexistent/nfacctd.conf", {}});
    EXPECT_THAT(errors(c), ElementsAre("/nonexistent/nfacctd.conf: cannot read the configuration file"));
}

}  // namespace
}  // namespace pmacct::config
