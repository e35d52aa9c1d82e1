#include "pmacct/log/log.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace pmacct::log {
namespace {

using pmacct::testing::read_file;
using pmacct::testing::TempDir;

TEST(LogFormat, LinesLookLikePmaccts) {
    EXPECT_EQ(format_line(Level::kInfo, "default", "core", "hello"), "INFO ( default/core ): hello");
    EXPECT_EQ(format_line(Level::kWarn, "foo", "print", "x"), "WARN ( foo/print ): x");
    EXPECT_EQ(format_line(Level::kError, "a", "b", "c"), "ERROR ( a/b ): c");
    EXPECT_EQ(format_line(Level::kDebug, "a", "b", "c"), "DEBUG ( a/b ): c");
    EXPECT_EQ(format_line(Level::kNotice, "a", "b", "c"), "NOTICE ( a/b ): c");
}

TEST(LogFormat, TimestampsAreRfc9557) {
    // 2026-11-22 10:00:00 UTC
    EXPECT_EQ(format_timestamp(1795341600, true), "2026-11-22T10:00:00+00:00");
    ::setenv("TZ", "Europe/Rome", 1);
    ::tzset();
    EXPECT_EQ(format_timestamp(1795341600, false), "2026-11-22T11:00:00+01:00");
    ::setenv("TZ", "America/St_Johns", 1);
    ::tzset();
    EXPECT_EQ(format_timestamp(1795341600, false), "2026-11-22T06:30:00-03:30");
    ::unsetenv("TZ");
    ::tzset();
}

TEST(LogFormat, Facilities) {
    EXPECT_EQ(facility_from_name("daemon"), LOG_DAEMON);
    EXPECT_EQ(facility_from_name("LOCAL2"), LOG_LOCAL2);
    EXPECT_FALSE(facility_from_name("local8").has_value());
}

TEST(LogFile, WritesTimestampedLinesAndReopensAfterRotation) {
    TempDir dir;
    Settings s;
    s.logfile = dir.path() + "/sub/dir/pmacct.log";
    s.umask = 027;
    ASSERT_TRUE(configure(s).has_value());
    set_identity("collector", "core");
    info("first {}", 1);
    debug("not shown without debug");
    struct stat st {};
    ASSERT_EQ(::stat(s.logfile.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640U);

    // Rotation: the file is moved away, SIGHUP makes the daemon reopen the path.
    ASSERT_EQ(::rename(s.logfile.c_str(), (s.logfile + ".1").c_str()), 0);
    warn("to the rotated file");
    ASSERT_TRUE(reopen().has_value());
    error("after reopen");

    std::string rotated = read_file(s.logfile + ".1");
    std::string fresh = read_file(s.logfile);
    std::regex first(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d INFO \( collector/core \): first 1\n)");
    EXPECT_TRUE(std::regex_search(rotated, first)) << rotated;
    EXPECT_NE(rotated.find("WARN ( collector/core ): to the rotated file\n"), std::string::npos);
    EXPECT_EQ(rotated.find("not shown"), std::string::npos);
    EXPECT_NE(fresh.find("ERROR ( collector/core ): after reopen\n"), std::string::npos);
    EXPECT_EQ(fresh.find("first"), std::string::npos);

    s.debug = true;
    ASSERT_TRUE(configure(s).has_value());
    debug("now shown");
    EXPECT_NE(read_file(s.logfile).find("DEBUG ( collector/core ): now shown"), std::string::npos);
    ASSERT_TRUE(configure(Settings{}).has_value());
}

TEST(LogFile, UnwritablePathIsReported) {
    Settings s;
    s.logfile = "/proc/no/such/dir/x.log";
    auto r = configure(s);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("/proc/no"), std::string::npos) << r.error();
    ASSERT_TRUE(configure(Settings{}).has_value());
}

// Syslog: the message carries the facility, the ident and pmacct's line. The test plays the
// syslog daemon by binding /dev/log itself, so it needs root and no syslog daemon running.
TEST(LogSyslog, MessagesReachSyslogWithFacilityAndIdent) {
    if (::geteuid() != 0 || ::access("/dev/log", F_OK) == 0) {
        GTEST_SKIP() << "needs root and a free /dev/log";
    }
    int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sock, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "/dev/log");
    ASSERT_EQ(::bind(sock, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr), 0);
    struct timeval tv {2, 0};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    Settings s;
    s.syslog_facility = facility_from_name("local2");
    s.syslog_ident = "pmtest";
    ASSERT_TRUE(configure(s).has_value());
    set_identity("edge", "core");
    warn("hello syslog");
    char buf[1024] = {};
    ssize_t n = ::recv(sock, buf, sizeof buf - 1, 0);
    ::close(sock);
    ::unlink("/dev/log");
    ASSERT_TRUE(configure(Settings{}).has_value());
    ASSERT_GT(n, 0);
    std::string msg(buf, static_cast<std::size_t>(n));
    // <priority> = facility local2 (18) * 8 + warning (4) = 148
    EXPECT_EQ(msg.rfind("<148>", 0), 0U) << msg;
    EXPECT_THAT(msg, ::testing::HasSubstr("pmtest[" + std::to_string(::getpid()) + "]: "));
    EXPECT_THAT(msg, ::testing::HasSubstr("WARN ( edge/core ): hello syslog"));
}

TEST(RateLimiter, LetsABurstThroughPerInterval) {
    RateLimiter rl(std::chrono::seconds(10), 3);
    auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
    std::uint64_t suppressed = 99;
    EXPECT_TRUE(rl.allow(t0, suppressed));
    EXPECT_EQ(suppressed, 0U);
    EXPECT_TRUE(rl.allow(t0, suppressed));
    EXPECT_TRUE(rl.allow(t0 + std::chrono::seconds(1), suppressed));
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(rl.allow(t0 + std::chrono::seconds(2), suppressed));
    // A new interval lets messages through again and reports what was dropped.
    EXPECT_TRUE(rl.allow(t0 + std::chrono::seconds(11), suppressed));
    EXPECT_EQ(suppressed, 5U);
    EXPECT_TRUE(rl.allow(t0 + std::chrono::seconds(11), suppressed));
    EXPECT_EQ(suppressed, 0U);
}

TEST(RateLimiter, LimitedWritesCarryTheSuppressedCount) {
    TempDir dir;
    Settings s;
    s.logfile = dir.path() + "/rl.log";
    ASSERT_TRUE(configure(s).has_value());
    set_identity("default", "core");
    RateLimiter rl(std::chrono::milliseconds(200), 2);
    for (int i = 0; i < 10; ++i) write_limited(rl, Level::kWarn, "malformed packet {}", i);
    ::usleep(250000);
    write_limited(rl, Level::kWarn, "malformed packet {}", 10);
    std::string text = read_file(s.logfile);
    EXPECT_NE(text.find("malformed packet 0\n"), std::string::npos);
    EXPECT_NE(text.find("malformed packet 1\n"), std::string::npos);
    EXPECT_EQ(text.find("malformed packet 2"), std::string::npos);
    EXPECT_NE(text.find("malformed packet 10 (8 similar messages suppressed)\n"), std::string::npos);
    ASSERT_TRUE(configure(Settings{}).has_value());
}

}  // namespace
}  // namespace pmacct::log
