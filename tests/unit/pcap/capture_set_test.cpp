// pcap_ifindex: the hash of an interface name is the value Debian's pmacctd 1.7.7 logs for it
// ("[name,id] link type is: 1" with pcap_ifindex: hash), for names shorter and longer than one
// 12-byte round of the hash; the policy names.
#include "pmacct/pcap/capture_set.hpp"

#include <gtest/gtest.h>

namespace pmacct::pcap {
namespace {

TEST(Jhash, NamesHashAsDebianPmacctd) {
    EXPECT_EQ(jhash("v0", 0), 248609298U);
    EXPECT_EQ(jhash("eth", 0), 180587719U);
    EXPECT_EQ(jhash("abcdefghijk", 0), 3844836940U);
    EXPECT_EQ(jhash("pmng-longnam01", 0), 1001970225U);
}

TEST(IfindexPolicy, Names) {
    EXPECT_EQ(ifindex_policy("none"), IfindexPolicy::kNone);
    EXPECT_EQ(ifindex_policy("sys"), IfindexPolicy::kSys);
    EXPECT_EQ(ifindex_policy("hash"), IfindexPolicy::kHash);
    EXPECT_EQ(ifindex_policy("map"), IfindexPolicy::kMap);
    EXPECT_FALSE(ifindex_policy("other"));
}

TEST(CaptureSet, AnInterfaceThatDoesNotExistStaysClosedAndSaysWhy) {
    CaptureSet set({}, IfindexPolicy::kSys);
    const auto errors = set.configure({{.name = "pmng-nosuch0"}});
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_NE(errors[0].find("pmng-nosuch0"), std::string::npos) << errors[0];
    EXPECT_FALSE(set.all_open());
    ASSERT_EQ(set.devices().size(), 1U);
    EXPECT_FALSE(set.devices()[0].capture.has_value());
    EXPECT_EQ(set.reopen().size(), 1U);
    EXPECT_TRUE(set.configure({}).empty());
    EXPECT_TRUE(set.all_open());
}

}  // namespace
}  // namespace pmacct::pcap
