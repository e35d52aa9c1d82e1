#include "pmacct/aggregate/preprocess.hpp"

#include <gtest/gtest.h>

namespace pmacct::aggregate {
namespace {

Counters c(std::uint64_t packets, std::uint64_t bytes, std::uint64_t flows) {
    Counters x;
    x.packets = packets;
    x.bytes = bytes;
    x.flows = flows;
    return x;
}

TEST(Preprocess, NoChecksAcceptsEverything) {
    Preprocess p;
    EXPECT_TRUE(p.accept(c(0, 0, 0)));
}

TEST(Preprocess, KnowsWhetherItReadsTheFlowsCounter) {
    EXPECT_FALSE(Preprocess().uses_flows());
    EXPECT_FALSE(Preprocess::parse("minp=10,minb=1000,minbpp=5", false)->uses_flows());
    EXPECT_TRUE(Preprocess::parse("minp=10,minf=2", false)->uses_flows());
    EXPECT_TRUE(Preprocess::parse("maxppf=3", false)->uses_flows());
}

TEST(Preprocess, AnyCheckSuffices) {
    auto p = Preprocess::parse("minp=10, minb=1000", false);
    ASSERT_TRUE(p.has_value()) << p.error();
    EXPECT_TRUE(p->accept(c(10, 1, 1)));
    EXPECT_TRUE(p->accept(c(1, 5000, 1)));
    EXPECT_FALSE(p->accept(c(9, 999, 1)));
}

TEST(Preprocess, AllChecksMustPass) {
    auto p = Preprocess::parse("minp=10,maxb=5000", true);
    ASSERT_TRUE(p.has_value());
    EXPECT_TRUE(p->accept(c(10, 5000, 1)));
    EXPECT_FALSE(p->accept(c(10, 5001, 1)));
    EXPECT_FALSE(p->accept(c(9, 100, 1)));
}

TEST(Preprocess, Ratios) {
    auto bpp = Preprocess::parse("minbpp=100", false);
    EXPECT_TRUE(bpp->accept(c(10, 1000, 1)));
    EXPECT_FALSE(bpp->accept(c(10, 999, 1)));
    EXPECT_FALSE(bpp->accept(c(0, 999, 1)));
    auto ppf = Preprocess::parse("maxppf=5", false);
    EXPECT_TRUE(ppf->accept(c(10, 1, 2)));
    EXPECT_FALSE(ppf->accept(c(11, 1, 2)));
}

TEST(Preprocess, SqlOnlyActionsAreReportedAndUnknownNamesRefused) {
    auto p = Preprocess::parse("qnum=100,minp=1,adjb=10", false);
    ASSERT_TRUE(p.has_value());
    ASSERT_EQ(p->sql_only().size(), 2U);
    EXPECT_EQ(p->sql_only()[0], "qnum");
    EXPECT_FALSE(Preprocess::parse("minx=1", false).has_value());
    EXPECT_FALSE(Preprocess::parse("minp=lots", false).has_value());
}

}  // namespace
}  // namespace pmacct::aggregate
