#include "pmacct/config/values.hpp"

#include <gtest/gtest.h>

namespace pmacct::config {
namespace {

TEST(Values, Booleans) {
    EXPECT_TRUE(*parse_bool("true"));
    EXPECT_TRUE(*parse_bool("TRUE"));
    EXPECT_FALSE(*parse_bool("False"));
    EXPECT_FALSE(parse_bool("yes").has_value());
    EXPECT_FALSE(parse_bool("1").has_value());
    EXPECT_EQ(parse_bool("on").error(), "expected true or false");
}

TEST(Values, UnsignedWithBounds) {
    EXPECT_EQ(*parse_uint("2100", 1, 65535), 2100U);
    EXPECT_EQ(*parse_uint("0x0003", 0, 65535), 3U);
    EXPECT_EQ(parse_uint("0", 1, 65535).error(), "must be between 1 and 65535");
    EXPECT_EQ(parse_uint("65536", 1, 65535).error(), "must be between 1 and 65535");
    EXPECT_FALSE(parse_uint("-1", 0, 10).has_value());
    EXPECT_FALSE(parse_uint("12abc", 0, 100).has_value());
    // Unbounded keys take the whole unsigned 64-bit range (tags).
    EXPECT_EQ(*parse_uint("18446744073709551615", 1, std::numeric_limits<std::int64_t>::max()),
              18446744073709551615ULL);
}

TEST(Values, SignedWithBounds) {
    EXPECT_EQ(*parse_int("-1", -1, 100), -1);
    EXPECT_EQ(parse_int("-2", -1, 100).error(), "must be between -1 and 100");
}

TEST(Values, DurationsTakeSuffixes) {
    EXPECT_EQ(*parse_seconds("60"), 60);
    EXPECT_EQ(*parse_seconds("90s"), 90);
    EXPECT_EQ(*parse_seconds("5m"), 300);
    EXPECT_EQ(*parse_seconds("1h"), 3600);
    EXPECT_EQ(*parse_seconds("1d"), 86400);
    EXPECT_EQ(*parse_seconds("2w"), 1209600);
    EXPECT_FALSE(parse_seconds("5x").has_value());
    EXPECT_FALSE(parse_seconds("m").has_value());
    EXPECT_FALSE(parse_seconds("99999999999h").has_value());
}

TEST(Values, HistoryFollowsPmacctRules) {
    auto five_min = parse_history("5m");
    ASSERT_TRUE(five_min.has_value());
    EXPECT_EQ(five_min->unit, History::Unit::kMinutes);
    EXPECT_EQ(five_min->seconds(), 300);
    // Seconds that are a multiple of 60 become minutes.
    auto bare = parse_history("300");
    ASSERT_TRUE(bare.has_value());
    EXPECT_EQ(bare->unit, History::Unit::kMinutes);
    EXPECT_EQ(bare->count, 5U);
    // Sub-minute bins are allowed.
    auto ten_s = parse_history("10s");
    ASSERT_TRUE(ten_s.has_value());
    EXPECT_EQ(ten_s->unit, History::Unit::kSeconds);
    EXPECT_EQ(ten_s->seconds(), 10);
    // 60 s or more that is not whole minutes is refused.
    EXPECT_FALSE(parse_history("90").has_value());
    EXPECT_FALSE(parse_history("90s").has_value());
    EXPECT_EQ(parse_history("1M")->unit, History::Unit::kMonths);
    EXPECT_EQ(parse_history("1w")->seconds(), 604800);
    EXPECT_FALSE(parse_history("0m").has_value());
    EXPECT_FALSE(parse_history("5y").has_value());
}

TEST(Values, Roundoff) {
    EXPECT_EQ(*parse_roundoff("mh"), "mh");
    EXPECT_EQ(*parse_roundoff("M"), "M");
    EXPECT_FALSE(parse_roundoff("mm").has_value());
    EXPECT_FALSE(parse_roundoff("x").has_value());
}

TEST(Values, Octal) {
    EXPECT_EQ(*parse_octal("077"), 077U);
    EXPECT_FALSE(parse_octal("089").has_value());
}

TEST(Values, HostPort) {
    auto a = parse_host_port("127.0.0.1:2100");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 2100);
    auto b = parse_host_port("[FD00::2]:6343");
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->host, "FD00::2");
    EXPECT_EQ(b->port, 6343);
    auto c = parse_host_port("::1");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 0);
    auto d = parse_host_port("localhost");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->host, "localhost");
    EXPECT_FALSE(parse_host_port("127.0.0.1:70000").has_value());
    EXPECT_FALSE(parse_host_port("[::1").has_value());
    EXPECT_FALSE(parse_host_port("fd00::2:2100x").has_value());
    EXPECT_FALSE(parse_host_port(":2100").has_value());
}

TEST(Values, FiltersAreCompiledByLibpcap) {
    EXPECT_TRUE(check_filter("src net 10.0.0.0/16").has_value());
    EXPECT_TRUE(check_filter("vlan and (tcp port 80 or udp port 53)").has_value());
    auto bad = check_filter("src nett 10.0.0.0/16");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("invalid filter"), std::string::npos);
}

// tunnel_0 as 1.7.7 writes it ("gtp, 2152"), with blanks instead of the comma too; the same
// parse checks the configuration and configures the dissector.
TEST(Values, Tunnels) {
    for (const char* text : {"gtp, 2152", "gtp 2152", " gtp,2152 ", "gtp,\t2152"}) {
        auto t = parse_tunnel(text);
        ASSERT_TRUE(t.has_value()) << text;
        EXPECT_FALSE(t->vxlan);
        EXPECT_EQ(t->port, 2152) << text;
    }
    auto v = parse_tunnel("vxlan, 8472");
    ASSERT_TRUE(v.has_value());
    EXPECT_TRUE(v->vxlan);
    EXPECT_EQ(v->port, 8472);
    EXPECT_EQ(parse_tunnel("vxlan, 080")->port, 80);
    for (const char* text : {"gtp", "gre, 47", "gtp, 0", "gtp, 65536", "gtp, 000080", "gtp, x", "vxlan,"}) {
        EXPECT_FALSE(parse_tunnel(text).has_value()) << text;
    }
    EXPECT_NE(parse_tunnel("gre, 47").error().find("unknown tunnel protocol"), std::string::npos);
}

}  // namespace
}  // namespace pmacct::config
