// The life of a daemon process: daemonize, PID file, log file, SIGUSR1, SIGHUP (log rotation),
// SIGTERM / SIGINT (clean exit, PID file removed), files_umask.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {
namespace {

using ::testing::HasSubstr;

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

mode_t mode_of(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

class Lifecycle : public ::testing::TestWithParam<int> {};

TEST_P(Lifecycle, DaemonizedProcessHandlesSignals) {
    const int stop_signal = GetParam();
    TempDir dir;
    const std::string pidfile = dir.path() + "/run/test.pid";
    const std::string logfile = dir.path() + "/log/test.log";
    const std::string conf = dir.path() + "/test.conf";
    std::ofstream(conf) << "daemonize: true\n"
                        << "pidfile: " << pidfile << "\n"
                        << "logfile: " << logfile << "\n"
                        << "files_umask: 027\n"
                        << "core_proc_name: lab\n";
    // The foreground process returns as soon as the daemon is detached.
    auto r = run_program({PMACCT_TEST_DAEMON, "-f", conf});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(wait_for([&] { return read_file(pidfile).size() > 1; })) << "no PID file";
    const pid_t pid = std::stoi(read_file(pidfile));
    ASSERT_TRUE(alive(pid));
    ASSERT_TRUE(wait_for([&] { return read_file(logfile).find("running") != std::string::npos; }));
    EXPECT_EQ(mode_of(pidfile), 0640U);
    EXPECT_EQ(mode_of(logfile), 0640U);
    EXPECT_EQ(mode_of(dir.path() + "/run"), 0750U);
    EXPECT_THAT(read_file(logfile), HasSubstr("INFO ( lab/core ): nfacctd 0."));

    ::kill(pid, SIGUSR1);
    EXPECT_TRUE(wait_for([&] { return read_file(logfile).find("NOTICE ( lab/core ): stats requested") != std::string::npos; }));

    // Log rotation: move the file away, SIGHUP, the daemon writes to a new file at the old path.
    ASSERT_EQ(::rename(logfile.c_str(), (logfile + ".1").c_str()), 0);
    ::kill(pid, SIGHUP);
    ::kill(pid, SIGUSR2);
    EXPECT_TRUE(wait_for([&] { return read_file(logfile).find("maps reload requested") != std::string::npos; }));

    ::kill(pid, stop_signal);
    EXPECT_TRUE(wait_for([&] { return !alive(pid); })) << "daemon did not stop";
    EXPECT_NE(::access(pidfile.c_str(), F_OK), 0) << "PID file left behind";
    EXPECT_THAT(read_file(logfile), HasSubstr("INFO ( lab/core ): stopping"));
    EXPECT_THAT(read_file(logfile + ".1"), HasSubstr("running"));
}

INSTANTIATE_TEST_SUITE_P(StopSignals, Lifecycle, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& p) {
                             return std::string(p.param == SIGTERM ? "SIGTERM" : "SIGINT");
                         });

TEST(Lifecycle, ForegroundRunLogsToStderrAndStopsOnSigint) {
    TempDir dir;
    const std::string pidfile = dir.path() + "/fg.pid";
    std::thread stopper([&] {
        if (wait_for([&] { return read_file(pidfile).size() > 1; })) {
            ::kill(std::stoi(read_file(pidfile)), SIGINT);
        }
    });
    auto r = run_program({PMACCT_TEST_DAEMON, "-F", pidfile, "-d"});
    stopper.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, HasSubstr("INFO ( default/core ): running"));
    EXPECT_THAT(r.err, HasSubstr("INFO ( default/core ): stopping"));
}

TEST(Lifecycle, UnwritablePidFileStopsStartUp) {
    auto r = run_program({PMACCT_TEST_DAEMON, "-F", "/proc/nope/x.pid"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("/proc/nope"));
}

}  // namespace
}  // namespace pmacct::testing
