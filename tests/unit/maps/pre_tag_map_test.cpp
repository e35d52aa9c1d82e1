// pre_tag_map: the map text, rule evaluation (first match, jumps, stacks, labels, negations),
// each case also with maps_index, and the per-plugin tag and label filters. The expected tags
// of the jump and stack cases are what Debian's nfacctd 1.7.7 set on the same maps
// (tests/integration/pre_tag_map_test.cpp replays them side by side).
#include "pmacct/maps/pre_tag_map.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct::maps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress ip(const char* s) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(s, a));
    return a;
}

FlowRecord flow() {
    FlowRecord r;
    r.peer_src_ip = ip("192.0.2.1");
    r.src_ip = ip("10.1.2.3");
    r.dst_ip = ip("10.9.8.7");
    r.in_iface = 5;
    r.out_iface = 7;
    r.proto = 6;
    r.src_port = 443;
    r.dst_port = 51000;
    r.src_as = 65001;
    r.export_proto_version = 9;
    r.export_proto_sysid = 42;
    r.src_mac.bytes = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    return r;
}

struct Tags {
    std::uint64_t tag;
    std::uint64_t tag2;
    std::string label;
    bool operator==(const Tags&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Tags& t) {
    return os << "{" << t.tag << ", " << t.tag2 << ", '" << t.label << "'}";
}

// The tags `map_text` sets on `r`; the same with maps_index, or a failure.
Tags tags(std::string_view map_text, FlowRecord r = flow()) {
    Tags out[2];
    for (const bool index : {false, true}) {
        MapLimits limits;
        limits.index = index;
        auto loaded = PreTagMap::parse(map_text, Daemon::kNfacctd, limits);
        for (const auto& p : loaded.problems) {
            if (!p.why.starts_with("maps_index:")) ADD_FAILURE() << "line " << p.line << ": " << p.why;
        }
        FlowRecord copy = r;
        std::string buf;
        loaded.map.apply(copy, buf);
        out[index] = {copy.tag, copy.tag2, std::string(copy.label)};
    }
    EXPECT_EQ(out[0], out[1]) << "with maps_index: " << map_text;
    return out[0];
}

std::vector<std::string> problems(std::string_view map_text, MapLimits limits = {}) {
    std::vector<std::string> out;
    for (const auto& p : PreTagMap::parse(map_text, Daemon::kNfacctd, limits).problems) {
        out.push_back(std::to_string(p.line) + ": " + p.why);
    }
    return out;
}

TEST(MapText, TokensQuotesCommentsAndLimits) {
    const MapText t = parse_map_text("! comment\n# another\n\nSET_TAG=1  ip=192.0.2.1\n"
                                     "set_label='a b' ip=::1\n",
                                     {});
    ASSERT_EQ(t.rules.size(), 2U);
    EXPECT_EQ(t.rules[0].line, 4);
    EXPECT_EQ(t.rules[0].tokens[0].key, "set_tag");
    EXPECT_EQ(t.rules[1].tokens[0].value, "a b");
    EXPECT_TRUE(t.problems.empty());
    const MapText bad = parse_map_text("set_tag=1 ip\nset_label='open\nset_tag=2 a|b=1\n", {});
    EXPECT_TRUE(bad.rules.empty());
    ASSERT_EQ(bad.problems.size(), 3U);
    EXPECT_EQ(bad.problems[0].line, 1);
    EXPECT_THAT(bad.problems[0].why, HasSubstr("'ip' is not key=value"));
    EXPECT_THAT(bad.problems[1].why, HasSubstr("quote"));
    const MapText limited = parse_map_text("set_tag=1\nset_tag=2 ip=192.0.2.100\nset_tag=3\nset_tag=4\n",
                                           {.entries = 2, .row_len = 12});
    ASSERT_EQ(limited.rules.size(), 2U);
    EXPECT_EQ(limited.rules[1].tokens[0].value, "3");
    EXPECT_THAT(limited.problems[0].why, HasSubstr("maps_row_len"));
    EXPECT_THAT(limited.problems.back().why, HasSubstr("first 2 entries"));
}

TEST(PreTagMap, FirstMatchWins) {
    EXPECT_EQ(tags("set_tag=1 ip=198.51.100.1\nset_tag=2 ip=192.0.2.0/24\nset_tag=3\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 ip=198.51.100.1\n"), (Tags{0, 0, ""}));
    EXPECT_EQ(tags("set_tag2=9 in=5 out=7\n"), (Tags{0, 9, ""}));
    EXPECT_EQ(tags("set_label=web src_port=443 ip_proto=tcp\n"), (Tags{0, 0, "web"}));
}

TEST(PreTagMap, JumpsStacksAndLabels) {
    // Debian's 1.7.7: 1,2 / 3 (sum) / 3 (or) / 1,7 (on from the target after it fails).
    EXPECT_EQ(tags("set_tag=1 ip=0.0.0.0/0 jeq=two\nset_tag=9 ip=0.0.0.0/0\nset_tag2=2 ip=0.0.0.0/0 label=two\n"),
              (Tags{1, 2, ""}));
    EXPECT_EQ(tags("set_tag=1 ip=0.0.0.0/0 jeq=two\nset_tag=9\nset_tag=2 label=two stack=sum\n"), (Tags{3, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 jeq=two\nset_tag=2 label=two stack=or\n"), (Tags{3, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 jeq=two\nset_tag=9\nset_tag2=2 ip=10.0.0.1 label=two\nset_tag2=7\n"), (Tags{1, 7, ""}));
    EXPECT_EQ(tags("set_tag=1 jeq=next\nset_tag2=5\nset_tag2=6\n"), (Tags{1, 5, ""}));
    // Labels met along the jumps are joined (current pmacct; 1.7.7 keeps the first).
    EXPECT_EQ(tags("set_label=a jeq=two\nset_label=b label=two jeq=next\nset_label=c\n"), (Tags{0, 0, "a,b,c"}));
    // A rule on two keys goes on from one on another pair, then to a catch-all.
    EXPECT_EQ(tags("set_tag=1 ip=192.0.2.1 in=5 jeq=x\nset_tag=2 ip=192.0.2.1\nset_tag2=3 src_net=10.1.0.0/16 label=x "
                   "jeq=y\nset_tag2=4 src_net=10.1.2.3/32\nset_label=z label=y\n"),
              (Tags{1, 3, "z"}));
}

TEST(PreTagMap, MatchKeys) {
    EXPECT_EQ(tags("set_tag=1 in=-5\nset_tag=2 in=-6\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 src_net=10.0.0.0/8 dst_net=-10.9.0.0/16\nset_tag=2 src_net=10.0.0.0/8\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 src_mac=00:11:22:33:44:56\nset_tag=2 src_mac=00:11:22:33:44:55\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 engine_id=41\nset_tag=2 source_id=42\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 sample_type=option\nset_tag=2 sample_type=flow-ipv6\nset_tag=3 sample_type=flow\n"),
              (Tags{3, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 is_multicast=true\nset_tag=2 is_multicast=false\n"), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 src_as=65002\nset_tag=2 src_as=65001 dst_port=51000\n"), (Tags{2, 0, ""}));
    // Two values of one key in a rule: both must hold.
    EXPECT_EQ(tags("set_tag=1 in=5 in=6\nset_tag=2 in=5 in=5\n"), (Tags{2, 0, ""}));
    FlowRecord r = flow();
    r.mpls_vpn_rd = {kRdOriginFlow, 0, 0xFD, 0xE8, 0, 0, 0, 1};  // 0:65000:1
    EXPECT_EQ(tags("set_tag=1 mpls_vpn_rd=0:65000:2\nset_tag=2 mpls_vpn_rd=0:65000:1\n", r), (Tags{2, 0, ""}));
    r.export_proto_version = 5;
    r.engine_type = 3;
    EXPECT_EQ(tags("set_tag=1 engine_type=3\n", r), (Tags{1, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 engine_type=0\n"), (Tags{0, 0, ""}));  // v9: never (1.7.7)
    r = flow();
    r.peer_src_ip = ip("2001:db8::1");
    EXPECT_EQ(tags("set_tag=1 ip=0.0.0.0/0\nset_tag=2 ip=2001:db8::/32\n", r), (Tags{2, 0, ""}));
}

// Keys on what the record's template says: its data set id, the VRF ids, NAT and firewall
// events, and the kind of template (bi-flow, NSEL, NEL).
TEST(PreTagMap, TemplateKeys) {
    FlowRecord r = flow();
    r.flowset_id = 300;
    r.mpls_vpn_id_in = 5;
    r.mpls_vpn_id_out = 9;
    r.nat_event = 2;
    r.fwd_status = 64;
    r.template_traits = kTemplateBiFlow | kTemplateNel;
    EXPECT_EQ(tags("set_tag=1 flowset_id=301\nset_tag=2 flowset_id=300\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 mpls_vpn_id_in=9\nset_tag=2 mpls_vpn_id_out=9 mpls_vpn_id_in=5\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 mpls_vpn_id=7\nset_tag=2 mpls_vpn_id=9\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 nat_event=1\nset_tag=2 nat_event=2\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 fwdstatus=65\nset_tag=2 fwdstatus=64\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 is_nsel=true\nset_tag=2 is_bi_flow=true is_nel=true is_nsel=false\n", r), (Tags{2, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 is_bi_flow=false\nset_tag=2 is_nel=-true\nset_tag=3\n", r), (Tags{3, 0, ""}));
    EXPECT_EQ(tags("set_tag=1 is_bi_flow=true\nset_tag=2 is_bi_flow=false\n"), (Tags{2, 0, ""}));
}

TEST(PreTagMap, BadRulesAreLeftOutWithTheirLine) {
    EXPECT_THAT(problems("set_tag=1 set_tag2=2\n"), ElementsAre(HasSubstr("1: set_tag (id), set_tag2 (id2) and set_label are mutual exclusive")));
    EXPECT_THAT(problems("set_tag=1 nosuch=2\n"), ElementsAre("1: unknown key 'nosuch'"));
    EXPECT_THAT(problems("set_tag=x\n"), ElementsAre(HasSubstr("1: set_tag: 'x' is not a tag value")));
    EXPECT_THAT(problems("set_tag=1 ip=-10.0.0.0/8\n"), ElementsAre(HasSubstr("bad IP address")));
    EXPECT_THAT(problems("set_tag=1 in=4294967296\n"), ElementsAre(HasSubstr("in: '4294967296' is not a number")));
    EXPECT_THAT(problems("set_tag=1 src_comms=65000:1\n"), ElementsAre(HasSubstr("'src_comms' is not implemented yet")));
    EXPECT_THAT(problems("set_tag=1 is_bi_flow=1\n"), ElementsAre(HasSubstr("'1' is not true or false")));
    EXPECT_THAT(problems("set_tag=1 flowset_id=65536\n"), ElementsAre(HasSubstr("is not a number from 0 to 65535")));
    EXPECT_THAT(problems("set_tag=1 filter='src nett 10.0.0.0/8'\n"), ElementsAre(HasSubstr("invalid filter")));
    EXPECT_EQ(tags("set_tag=1 filter='src net 192.168.0.0/16'\nset_tag=2 filter='tcp and src port 443'\n"), (Tags{2, 0, ""}));
    EXPECT_THAT(problems("set_tag=1 jeq=nowhere\n"), ElementsAre(HasSubstr("no later rule has label 'nowhere'")));
    EXPECT_THAT(problems("set_tag=1 return=true\n"), ElementsAre(HasSubstr("return=true")));
    // The good rules around a bad one are used.
    EXPECT_EQ(tags("set_tag=1 ip=198.51.100.1\nset_tag=2 ip=0.0.0.0/0\n"), (Tags{2, 0, ""}));
    auto loaded = PreTagMap::parse("set_tag=1 in=x\nset_tag=2 in=5\n", Daemon::kNfacctd, {});
    EXPECT_EQ(loaded.map.size(), 1U);
}

// sfacctd takes the MATCH keys an sFlow record answers; the NetFlow-only ones are refused.
TEST(PreTagMap, SfacctdKeys) {
    const auto loaded = PreTagMap::parse("set_tag=1 ip=192.0.2.9 in=3 vlan=30 src_as=65000\nset_tag=4 filter='tcp'\n"
                                         "set_tag=2 engine_type=1\nset_tag=3 flowset_id=256\n",
                                         Daemon::kSfacctd, MapLimits{});
    ASSERT_EQ(loaded.problems.size(), 2U);
    EXPECT_EQ(loaded.problems[0].line, 3);
    EXPECT_THAT(loaded.problems[0].why, HasSubstr("'engine_type' is a NetFlow key"));
    EXPECT_THAT(loaded.problems[1].why, HasSubstr("'flowset_id' is not supported by sfacctd yet"));
    FlowRecord r;
    r.peer_src_ip = IpAddress::v4(0xC0000209);
    r.in_iface = 3;
    r.in_vlan = 30;  // sfacctd: the incoming or the outgoing VLAN
    r.src_as = 65000;
    r.proto = 6;
    r.src_ip = IpAddress::v4(0x0A000001);
    r.dst_ip = IpAddress::v4(0x0A000002);
    std::string label;
    loaded.map.apply(r, label);
    EXPECT_EQ(r.tag, 1U);
}

// sfacctd's own keys: agent_id (the sub-agent) and sample_type (<enterprise>:<format>); tags
// the exporter sent stay where no rule sets them.
TEST(PreTagMap, SfacctdAgentIdSampleTypeAndExporterTags) {
    const auto loaded = PreTagMap::parse("set_tag=1 agent_id=7 sample_type=0:3\nset_tag=2 sample_type=0:1\n"
                                         "set_tag2=5 agent_id=9\nset_tag=3 sample_type=flow\nset_tag=4 sample_type=1\n",
                                         Daemon::kSfacctd, MapLimits{});
    ASSERT_EQ(loaded.problems.size(), 2U);
    EXPECT_THAT(loaded.problems[0].why, HasSubstr("'flow' is not <enterprise>:<format>"));
    EXPECT_THAT(loaded.problems[1].why, HasSubstr("'1' is not <enterprise>:<format>"));
    auto tags = [&](std::uint32_t agent, std::uint32_t type, std::uint64_t tag, std::uint64_t tag2) {
        FlowRecord r;
        r.export_proto_sysid = agent;
        r.sflow_sample_type = type;
        r.exporter_tag = tag;
        r.exporter_tag2 = tag2;
        std::string label;
        loaded.map.apply(r, label);
        return std::pair{r.tag, r.tag2};
    };
    EXPECT_EQ(tags(7, 3, 0, 0), (std::pair<std::uint64_t, std::uint64_t>{1, 0}));
    EXPECT_EQ(tags(7, 1, 0, 0), (std::pair<std::uint64_t, std::uint64_t>{2, 0}));
    EXPECT_EQ(tags(9, 3, 11, 22), (std::pair<std::uint64_t, std::uint64_t>{11, 5}));
    EXPECT_EQ(tags(7, 1, 11, 22), (std::pair<std::uint64_t, std::uint64_t>{2, 22}));
    // agent_id is sFlow's; NetFlow's sample_type keeps its words.
    const auto nf = PreTagMap::parse("set_tag=1 agent_id=7\nset_tag=2 sample_type=0:1\nset_tag=3 sample_type=flow\n",
                                     Daemon::kNfacctd, MapLimits{});
    ASSERT_EQ(nf.problems.size(), 2U);
    EXPECT_THAT(nf.problems[0].why, HasSubstr("'agent_id' is an sfacctd key"));
    EXPECT_THAT(nf.problems[1].why, HasSubstr("unknown sample_type '0:1'"));
}

// For the tee plugin: pmacct's tee keys only; a map on the exporter and engine tags whole
// datagrams, one that looks into flows needs them dissected.
TEST(PreTagMap, TeeMapsKnowTheTeeKeysAndWhetherTheyNeedFlows) {
    auto tee = [](std::string_view text) { return PreTagMap::parse(text, Daemon::kNfacctd, {}, MapUse::kTee); };
    auto simple = tee("set_tag=1 ip=192.0.2.1 engine_id=42\nset_tag=2 ip=0.0.0.0/0\n");
    EXPECT_TRUE(simple.problems.empty());
    EXPECT_FALSE(simple.map.needs_flows());
    for (const char* key : {"in=5", "out=7", "src_mac=00:11:22:33:44:55", "dst_mac=00:11:22:33:44:55", "vlan=3",
                            "src_net=10.0.0.0/8", "dst_net=10.0.0.0/8", "bgp_nexthop=192.0.2.9"}) {
        auto complex = tee(std::string("set_tag=1 ip=0.0.0.0/0 ") + key + "\n");
        EXPECT_TRUE(complex.problems.empty()) << key;
        EXPECT_TRUE(complex.map.needs_flows()) << key;
    }
    for (const char* rule : {"set_tag=1 src_port=80", "set_tag=1 filter='tcp'", "set_label=x ip=0.0.0.0/0",
                             "set_tag=1 sample_type=flow", "set_tos=4 ip=0.0.0.0/0"}) {
        auto refused = tee(std::string(rule) + "\n");
        ASSERT_EQ(refused.problems.size(), 1U) << rule;
        EXPECT_THAT(refused.problems[0].why, HasSubstr("cannot be used with the tee plugin")) << rule;
        EXPECT_TRUE(refused.map.empty()) << rule;
    }
    // Accounting maps take them all, and say nothing about flows.
    EXPECT_TRUE(PreTagMap::parse("set_tag=1 src_port=80\n", Daemon::kNfacctd, {}).problems.empty());
}

// sfacctd in tee mode: the agent and its sub-agent (agent_id) tag whole datagrams; the sample
// keys need them dissected; vlan is the sample's incoming or outgoing VLAN; NetFlow's engine
// keys are refused.
TEST(PreTagMap, SfacctdTeeMaps) {
    auto tee = [](std::string_view text) { return PreTagMap::parse(text, Daemon::kSfacctd, {}, MapUse::kTee); };
    auto simple = tee("set_tag=1 ip=192.0.2.9 agent_id=7\nset_tag=2 ip=0.0.0.0/0\n");
    EXPECT_TRUE(simple.problems.empty());
    EXPECT_FALSE(simple.map.needs_flows());
    FlowRecord datagram;
    datagram.peer_src_ip = IpAddress::v4(0xC0000209);
    datagram.export_proto_sysid = 7;
    std::string label;
    simple.map.apply(datagram, label);
    EXPECT_EQ(datagram.tag, 1U);
    datagram.export_proto_sysid = 8;
    simple.map.apply(datagram, label);
    EXPECT_EQ(datagram.tag, 2U);
    auto complex = tee("set_tag=1 vlan=40\n");
    EXPECT_TRUE(complex.problems.empty());
    EXPECT_TRUE(complex.map.needs_flows());
    FlowRecord sample;
    sample.peer_src_ip = IpAddress::v4(0xC0000209);
    sample.vlan = sample.in_vlan = 30;
    sample.out_vlan = 40;
    complex.map.apply(sample, label);
    EXPECT_EQ(sample.tag, 1U);
    sample.out_vlan = 0;
    complex.map.apply(sample, label);
    EXPECT_EQ(sample.tag, 0U);
    for (const char* rule : {"set_tag=1 engine_type=1", "set_tag=1 source_id=3"}) {
        auto refused = tee(std::string(rule) + "\n");
        ASSERT_EQ(refused.problems.size(), 1U) << rule;
        EXPECT_THAT(refused.problems[0].why, HasSubstr("is a NetFlow key")) << rule;
    }
}

TEST(TagFilter, PmacctOrderOfEvaluation) {
    auto f = TagFilter::parse("10,20-30,-25");
    ASSERT_TRUE(f.has_value());
    EXPECT_TRUE(f->passes(10));
    EXPECT_TRUE(f->passes(25));  // 20-30 holds it first
    EXPECT_TRUE(f->passes(11));  // -25 does not hold it: pmacct lets it through
    EXPECT_FALSE(TagFilter::parse("10,20-30")->passes(11));
    auto g = TagFilter::parse("-5");
    EXPECT_FALSE(g->passes(5));
    EXPECT_TRUE(g->passes(0));
    EXPECT_TRUE(g->passes(6));
    auto untagged = TagFilter::parse("0");
    EXPECT_TRUE(untagged->passes(0));
    EXPECT_FALSE(untagged->passes(1));
    EXPECT_FALSE(TagFilter::parse("5-1").has_value());
    EXPECT_TRUE(TagFilter().passes(7));
}

TEST(LabelFilter, PrefixesNegationsAndNull) {
    const LabelFilter f = LabelFilter::parse("web,-mail");
    EXPECT_TRUE(f.passes("web"));
    EXPECT_TRUE(f.passes("web-eu"));  // pmacct compares the item's length
    EXPECT_FALSE(f.passes("mail"));
    EXPECT_TRUE(f.passes("dns"));  // -mail does not hold: through
    const LabelFilter null = LabelFilter::parse("null");
    EXPECT_TRUE(null.passes(""));
    EXPECT_FALSE(null.passes("x"));
}

}  // namespace
}  // namespace pmacct::maps
