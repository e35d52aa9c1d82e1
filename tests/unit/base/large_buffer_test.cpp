#include "pmacct/base/large_buffer.hpp"

#include <cstdint>
#include <cstring>

#include <gtest/gtest.h>

namespace pmacct {
namespace {

bool all_zero(const LargeBuffer& b) {
    const auto* p = static_cast<const std::uint8_t*>(b.data());
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (p[i] != 0) return false;
    }
    return true;
}

TEST(LargeBuffer, SmallAndLargeBlocksAreZeroedAndWritable) {
    for (std::size_t bytes : {std::size_t{1}, std::size_t{4096}, std::size_t{3} << 20}) {
        LargeBuffer b = LargeBuffer::allocate(bytes);
        ASSERT_TRUE(b) << bytes;
        ASSERT_GE(b.size(), bytes);
        EXPECT_TRUE(all_zero(b)) << bytes;
        std::memset(b.data(), 0x5a, bytes);
        EXPECT_EQ(static_cast<std::uint8_t*>(b.data())[bytes - 1], 0x5a);
    }
}

TEST(LargeBuffer, LargeBlocksAreAlignedToHugePages) {
    LargeBuffer b = LargeBuffer::allocate(std::size_t{5} << 20);
    ASSERT_TRUE(b);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % (std::size_t{2} << 20), 0u);
    EXPECT_EQ(b.size() % (std::size_t{2} << 20), 0u);
}

TEST(LargeBuffer, MovingHandsOverTheMemory) {
    LargeBuffer a = LargeBuffer::allocate(std::size_t{2} << 20);
    void* p = a.data();
    LargeBuffer b = std::move(a);
    EXPECT_EQ(b.data(), p);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    a = std::move(b);
    EXPECT_EQ(a.data(), p);
}

}  // namespace
}  // namespace pmacct
