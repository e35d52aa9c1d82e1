#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include "pmacct/process/daemonize.hpp"
#include "pmacct/process/pidfile.hpp"
#include "pmacct/process/signals.hpp"

namespace pmacct::process {
namespace {

using pmacct::testing::read_file;
using pmacct::testing::TempDir;

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

TEST(PidFile, WritesPidAndRemovesItOnExit) {
    TempDir d;
    std::string path = d.path() + "/run/nfacctd.pid";
    {
        auto p = PidFile::create(path, FilePolicy{022, {}, {}});
        ASSERT_TRUE(p.has_value()) << p.error();
        EXPECT_EQ(read_file(path), std::to_string(::getpid()) + "\n");
    }
    EXPECT_FALSE(exists(path));
}

TEST(PidFile, AForkedChildDoesNotRemoveTheParentsFile) {
    TempDir d;
    std::string path = d.path() + "/core.pid";
    auto p = PidFile::create(path, FilePolicy{});
    ASSERT_TRUE(p.has_value());
    pid_t child = ::fork();
    if (child == 0) {
        // The child's copy goes out of scope at exit without removing the file.
        PidFile moved = std::move(*p);
        std::exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(exists(path));
}

TEST(PidFile, PluginFileNames) {
    EXPECT_EQ(plugin_pidfile_path("/run/nfacctd.pid", "print", "foo"), "/run/nfacctd.pid-print-foo");
}

TEST(PidFile, UnwritableLocationIsReported) {
    auto p = PidFile::create("/proc/nope/x.pid", FilePolicy{});
    ASSERT_FALSE(p.has_value());
    EXPECT_NE(p.error().find("/proc/nope"), std::string::npos);
}

TEST(Signals, CallbacksRunFromDispatchAndThePipeWakesPoll) {
    Signals::reset();
    ASSERT_TRUE(Signals::install().has_value());
    int usr1 = 0;
    int hup = 0;
    Signals::on(Signal::kUsr1, [&] { ++usr1; });
    Signals::on(Signal::kHup, [&] { ++hup; });
    ::raise(SIGUSR1);
    ::raise(SIGUSR1);  // coalesced until dispatched
    ::raise(SIGHUP);
    struct pollfd pfd {Signals::wake_fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 1000), 1);
    EXPECT_EQ(Signals::dispatch(), 2U);
    EXPECT_EQ(usr1, 1);
    EXPECT_EQ(hup, 1);
    EXPECT_EQ(::poll(&pfd, 1, 0), 0) << "pipe drained";
    EXPECT_EQ(Signals::dispatch(), 0U);
    EXPECT_FALSE(Signals::stop_requested());
    ::raise(SIGPIPE);  // ignored: the test process survives
    Signals::reset();
}

TEST(Signals, TermAndIntRequestAStop) {
    for (int signo : {SIGTERM, SIGINT}) {
        Signals::reset();
        ASSERT_TRUE(Signals::install().has_value());
        bool stopped = false;
        Signals::on(signo == SIGTERM ? Signal::kTerm : Signal::kInt, [&] { stopped = true; });
        ::raise(signo);
        EXPECT_TRUE(Signals::stop_requested());
        Signals::dispatch();
        EXPECT_TRUE(stopped);
    }
    Signals::reset();
}

TEST(Daemonize, DetachesIntoANewSession) {
    TempDir d;
    std::string out = d.path() + "/daemon.txt";
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (!daemonize()) std::_Exit(2);
        char target[256] = {};
        ssize_t n = ::readlink("/proc/self/fd/0", target, sizeof target - 1);
        std::ofstream(out + ".tmp") << ::getpid() << " " << ::getsid(0) << " "
                                    << std::string(target, n > 0 ? static_cast<std::size_t>(n) : 0) << " "
                                    << ::get_current_dir_name();
        ::rename((out + ".tmp").c_str(), out.c_str());
        std::_Exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the parent side exits 0 once detached";
    for (int i = 0; i < 200 && !exists(out); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::istringstream in(read_file(out));
    pid_t pid = 0;
    pid_t sid = 0;
    std::string stdin_target;
    std::string cwd;
    in >> pid >> sid >> stdin_target >> cwd;
    EXPECT_NE(pid, child) << "the daemon is a new process";
    EXPECT_EQ(sid, pid) << "and leads its own session";
    EXPECT_EQ(stdin_target, "/dev/null");
    EXPECT_EQ(cwd, "/");
}

}  // namespace
}  // namespace pmacct::process
