#include "pmacct/base/byte_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace pmacct {
namespace {

const std::vector<std::uint8_t> kBytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                          0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};

TEST(ByteReader, BigEndianReads) {
    ByteReader r(kBytes);
    EXPECT_EQ(r.u8(), 0x01);
    EXPECT_EQ(r.u16(), 0x0203);
    EXPECT_EQ(r.u24(), 0x040506u);
    EXPECT_EQ(r.u32(), 0x0708090au);
    EXPECT_EQ(r.offset(), 10u);
    EXPECT_EQ(r.remaining(), 2u);
    EXPECT_TRUE(r.ok());
    ByteReader r64(kBytes);
    EXPECT_EQ(r64.u64(), 0x0102030405060708ull);
}

TEST(ByteReader, LittleEndianReads) {
    ByteReader r(kBytes);
    EXPECT_EQ(r.u16_le(), 0x0201);
    EXPECT_EQ(r.u32_le(), 0x06050403u);
}

TEST(ByteReader, ReadPastEndFailsForGoodAndReturnsZero) {
    ByteReader r{std::span(kBytes).first(3)};
    EXPECT_EQ(r.u16(), 0x0102);
    EXPECT_EQ(r.u16(), 0);  // only one byte left
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.offset(), 2u);  // nothing consumed by the failed read
    EXPECT_EQ(r.u8(), 0);       // sticky: even though a byte is left
    EXPECT_TRUE(r.bytes(1).empty());
}

TEST(ByteReader, SkipAndBytes) {
    ByteReader r(kBytes);
    EXPECT_TRUE(r.skip(4));
    const auto b = r.bytes(3);
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[0], 0x05);
    EXPECT_EQ(b[2], 0x07);
    EXPECT_FALSE(r.skip(6));
    EXPECT_FALSE(r.ok());
}

TEST(ByteReader, SubReaderIsBoundedToItsBlock) {
    ByteReader r(kBytes);
    r.skip(1);
    ByteReader block = r.sub(4);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.offset(), 5u);
    EXPECT_EQ(block.size(), 4u);
    EXPECT_EQ(block.u32(), 0x02030405u);
    EXPECT_EQ(block.u8(), 0);  // the block ends, the parent's bytes are not reachable
    EXPECT_FALSE(block.ok());
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.u8(), 0x06);

    ByteReader too_long = r.sub(100);
    EXPECT_FALSE(too_long.ok());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(too_long.u8(), 0);
}

TEST(ByteReader, CopyZeroFillsOnShortInput) {
    std::array<std::uint8_t, 4> out{};
    ByteReader r(kBytes);
    EXPECT_TRUE(r.copy(out));
    EXPECT_EQ(out, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
    ByteReader shorter{std::span(kBytes).first(2)};
    out.fill(0xff);
    EXPECT_FALSE(shorter.copy(out));
    EXPECT_EQ(out, (std::array<std::uint8_t, 4>{}));
}

TEST(ByteReader, EmptySpan) {
    ByteReader r;
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.has(0));
    EXPECT_FALSE(r.has(1));
    EXPECT_EQ(r.u32(), 0u);
    EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace pmacct
