#include "pmacct/net/allow_list.hpp"

#include <gtest/gtest.h>

#include "ip_support.hpp"

namespace pmacct::net {
namespace {

using pmacct::testing::ip;

TEST(AllowList, NoFileAllowsEveryoneAnEmptyOneNoOne) {
    AllowList l;
    EXPECT_TRUE(l.allows(ip("192.0.2.1")));
    EXPECT_TRUE(l.parse("! nobody\n").empty());
    EXPECT_TRUE(l.active());
    EXPECT_FALSE(l.allows(ip("192.0.2.1")));
}

TEST(AllowList, AddressesAndPrefixesOfBothFamilies) {
    AllowList l;
    const auto skipped = l.parse("192.0.2.7\n198.51.100.0/24\n2001:db8::/32\n10.0.0.0/33\nexporter-1\n");
    ASSERT_EQ(skipped.size(), 2U);
    EXPECT_EQ(skipped[0].line, 4);
    EXPECT_EQ(skipped[1].line, 5);
    EXPECT_EQ(l.size(), 3U);
    EXPECT_TRUE(l.allows(ip("192.0.2.7")));
    EXPECT_FALSE(l.allows(ip("192.0.2.8")));
    EXPECT_TRUE(l.allows(ip("198.51.100.200")));
    EXPECT_FALSE(l.allows(ip("198.51.101.1")));
    EXPECT_TRUE(l.allows(ip("2001:db8:1::1")));
    EXPECT_FALSE(l.allows(ip("2001:db9::1")));
    EXPECT_FALSE(l.allows(ip("::ffff:192.0.2.7")));  // another family
}

TEST(AllowList, AnUnreadableFileKeepsTheList) {
    AllowList l;
    l.parse("192.0.2.7\n");
    EXPECT_FALSE(l.load("/nonexistent/allow.lst").has_value());
    EXPECT_TRUE(l.allows(ip("192.0.2.7")));
    EXPECT_FALSE(l.allows(ip("192.0.2.8")));
}

}  // namespace
}  // namespace pmacct::net
