#include "pmacct/base/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace pmacct {
namespace {

using pmacct::testing::read_file;
using pmacct::testing::TempDir;

mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

TEST(Files, CreatesParentsWithTheUmask) {
    TempDir d;
    FilePolicy policy;
    policy.umask = 022;
    auto fd = open_file(d.path() + "/a/b/c.txt", O_WRONLY, policy);
    ASSERT_TRUE(fd.has_value()) << fd.error();
    EXPECT_EQ(mode_of(d.path() + "/a"), 0755U);
    EXPECT_EQ(mode_of(d.path() + "/a/b"), 0755U);
    EXPECT_EQ(mode_of(d.path() + "/a/b/c.txt"), 0644U);
}

TEST(Files, DefaultUmaskKeepsFilesPrivate) {
    TempDir d;
    auto fd = open_file(d.path() + "/p.txt", O_WRONLY, FilePolicy{});
    ASSERT_TRUE(fd.has_value());
    EXPECT_EQ(mode_of(d.path() + "/p.txt"), 0600U);
}

TEST(Files, ExistingFileKeepsItsMode) {
    TempDir d;
    std::string p = d.path() + "/e.txt";
    { auto fd = open_file(p, O_WRONLY, FilePolicy{022, {}, {}}); }
    auto again = open_file(p, O_WRONLY | O_APPEND, FilePolicy{077, {}, {}});
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(mode_of(p), 0644U);
}

TEST(Files, OwnerFromPolicy) {
    if (::geteuid() != 0) GTEST_SKIP() << "changing owners needs root";
    TempDir d;
    FilePolicy policy;
    policy.uid = 65534;  // nobody
    policy.gid = 65534;
    auto fd = open_file(d.path() + "/x/o.txt", O_WRONLY, policy);
    ASSERT_TRUE(fd.has_value());
    struct stat st {};
    ASSERT_EQ(::stat((d.path() + "/x/o.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534U);
    EXPECT_EQ(st.st_gid, 65534U);
    ASSERT_EQ(::stat((d.path() + "/x").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534U);
}

TEST(Files, ParentThatIsAFileIsAnError) {
    TempDir d;
    std::string f = d.path() + "/file";
    { auto fd = open_file(f, O_WRONLY, FilePolicy{}); }
    auto r = open_file(f + "/child", O_WRONLY, FilePolicy{});
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("is not a directory"), std::string::npos);
}

TEST(Files, ResolvesUsersAndGroups) {
    EXPECT_EQ(*resolve_user("root"), 0U);
    EXPECT_EQ(*resolve_user("1234"), 1234U);
    EXPECT_FALSE(resolve_user("no-such-user-pmacct").has_value());
    EXPECT_EQ(*resolve_group("root"), 0U);
    EXPECT_FALSE(resolve_group("no-such-group-pmacct").has_value());
}

}  // namespace
}  // namespace pmacct
