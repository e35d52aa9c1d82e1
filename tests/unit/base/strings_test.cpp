#include "pmacct/base/strings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pmacct {
namespace {

using ::testing::ElementsAre;

TEST(Strings, TrimSplitLower) {
    EXPECT_EQ(trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(trim(""), "");
    EXPECT_THAT(split(" a, b ,,c ", ','), ElementsAre("a", "b", "", "c"));
    EXPECT_EQ(to_lower("Print_Refresh_TIME"), "print_refresh_time");
    EXPECT_TRUE(iequals("TRUE", "true"));
    EXPECT_FALSE(iequals("true", "truex"));
}

TEST(Strings, Numbers) {
    EXPECT_EQ(parse_u64("42"), 42U);
    EXPECT_EQ(parse_u64("0x1F"), 31U);
    EXPECT_FALSE(parse_u64("").has_value());
    EXPECT_FALSE(parse_u64("0x").has_value());
    EXPECT_FALSE(parse_u64("1 2").has_value());
    EXPECT_FALSE(parse_u64("18446744073709551616").has_value());
    EXPECT_EQ(parse_i64("-7"), -7);
    EXPECT_FALSE(parse_i64("7-").has_value());
}

}  // namespace
}  // namespace pmacct
