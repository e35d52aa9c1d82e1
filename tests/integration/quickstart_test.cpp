// Every configuration example and command line of pmacct's QUICKSTART validates.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "run_program.hpp"

namespace pmacct::testing {
namespace {

const std::string kDataDir = std::string(PMACCT_SOURCE_DIR) + "/tests/data/quickstart";

std::vector<std::string> fixture_files() {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(kDataDir.c_str())) {
        while (auto* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 5 && n.substr(n.size() - 5) == ".conf") out.push_back(n);
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

class QuickstartConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(QuickstartConfig, Validates) {
    std::ifstream in(kDataDir + "/" + GetParam());
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = std::regex_replace(buf.str(), std::regex("@DATA@"), kDataDir);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex("! daemon: (\\w+)"))) << "no daemon line";
    std::string daemon = m[1];
    if (daemon == "uacctd" && !PMACCT_HAVE_UACCTD) GTEST_SKIP() << "built without NFLOG";
    char path[] = "/tmp/pmacct-ng-qs-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << text;
    auto r = run_program({daemon, "-f", path, "-T", "config"});
    ::unlink(path);
    if (r.err.find("which this build does not include") != std::string::npos && r.exit_code == 1) {
        GTEST_SKIP() << "needs an optional library this build leaves out:\n" << r.err;
    }
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("configuration is valid"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("ERROR"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Quickstart, QuickstartConfig, ::testing::ValuesIn(fixture_files()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string n = p.param.substr(0, p.param.size() - 5);
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(Quickstart, HasTheWholeFixtureSet) { EXPECT_GE(fixture_files().size(), 50U); }

TEST(Quickstart, CommandLinesValidate) {
    std::ifstream in(kDataDir + "/commands.txt");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::vector<std::string> argv;
        std::string w;
        while (words >> w) argv.push_back(w);
        argv.insert(argv.begin() + 1, {"-T", "config"});
        ++n;
        auto r = run_program(argv);
        if (r.err.find("which this build does not include") != std::string::npos) continue;
        EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.err;
    }
    EXPECT_GE(n, 6);
}

}  // namespace
}  // namespace pmacct::testing
