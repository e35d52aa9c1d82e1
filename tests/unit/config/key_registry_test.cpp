#include "pmacct/config/registry.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include "pmacct/app/config_keys_doc.hpp"
#include "pmacct/base/strings.hpp"

namespace pmacct::config {
namespace {

using pmacct::testing::read_file;
using pmacct::testing::TempDir;

// Every name pmacct accepts is a key of ours, and names pmacct treats as aliases of one setting
// are aliases of one setting here too.
TEST(KeyRegistry, HasEveryPmacctKeyWithItsAliases) {
    std::ifstream in(std::string(PMACCT_SOURCE_DIR) + "/tests/data/pmacct-key-names.txt");
    ASSERT_TRUE(in) << "missing tests/data/pmacct-key-names.txt";
    const auto& reg = KeyRegistry::instance();
    std::string line;
    int groups = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        ++groups;
        auto names = split(line, ',');
        const KeySpec* first = reg.find(names.front());
        ASSERT_NE(first, nullptr) << "pmacct key '" << names.front() << "' is not in the registry";
        for (auto n : names) {
            EXPECT_EQ(reg.find(n), first) << "'" << n << "' should be an alias of '" << names.front() << "'";
        }
    }
    EXPECT_GT(groups, 500);
}

TEST(KeyRegistry, NamesAreUniqueAndWellFormed) {
    std::map<std::string, std::string> seen;
    for (const KeySpec* k : KeyRegistry::instance().settings()) {
        for (auto n : key_names(*k)) {
            auto [it, inserted] = seen.emplace(std::string(n), std::string(k->names));
            EXPECT_TRUE(inserted) << "'" << n << "' is in both '" << it->second << "' and '" << k->names << "'";
            EXPECT_EQ(to_lower(n), std::string(n)) << n;
            EXPECT_EQ(n.find_first_of(" \t[]:"), std::string_view::npos) << n;
        }
    }
}

TEST(KeyRegistry, EveryEntryIsComplete) {
    for (const KeySpec* k : KeyRegistry::instance().settings()) {
        SCOPED_TRACE(std::string(k->names));
        EXPECT_FALSE(k->doc.empty());
        EXPECT_LE(k->doc.size(), 110U);
        EXPECT_NE(k->daemons, 0);
        if (k->type == ValueType::kEnum || k->type == ValueType::kEnumList) {
            EXPECT_FALSE(k->choices.empty());
        } else {
            EXPECT_TRUE(k->choices.empty());
        }
        EXPECT_FALSE((k->flags & kGlobal) != 0 && (k->flags & kNoGlobal) != 0);
        EXPECT_LE(k->min, k->max);
    }
}

// A default is a value the key accepts.
TEST(KeyRegistry, DefaultsAreValidValues) {
    for (const KeySpec* k : KeyRegistry::instance().settings()) {
        if (k->def.empty() || k->type == ValueType::kPrimitives || k->type == ValueType::kPlugins) continue;
        auto r = validate_value(*k, k->def);
        EXPECT_TRUE(r.has_value()) << k->names << ": default '" << k->def << "': " << r.error();
    }
}

TEST(KeyRegistry, TypesAreEnforced) {
    const auto& reg = KeyRegistry::instance();
    EXPECT_FALSE(validate_value(*reg.find("daemonize"), "yes").has_value());
    EXPECT_FALSE(validate_value(*reg.find("nfacctd_port"), "0").has_value());
    EXPECT_TRUE(validate_value(*reg.find("nfacctd_port"), "2100").has_value());
    EXPECT_FALSE(validate_value(*reg.find("syslog"), "local9").has_value());
    EXPECT_TRUE(validate_value(*reg.find("syslog"), "local2").has_value());
    EXPECT_FALSE(validate_value(*reg.find("nfacctd_ip"), "300.1.1.1").has_value());
    EXPECT_TRUE(validate_value(*reg.find("nfacctd_ip"), "::1").has_value());
    EXPECT_FALSE(validate_value(*reg.find("files_uid"), "no-such-user-here").has_value());
    EXPECT_TRUE(validate_value(*reg.find("files_uid"), "root").has_value());
    EXPECT_TRUE(validate_value(*reg.find("pre_tag_filter"), "10,20-30,-5,0").has_value());
    EXPECT_FALSE(validate_value(*reg.find("pre_tag_filter"), "30-20").has_value());
    EXPECT_TRUE(validate_value(*reg.find("nfacctd_net"), "netflow,file").has_value());
    EXPECT_FALSE(validate_value(*reg.find("nfacctd_net"), "netflow,dns").has_value());
    EXPECT_FALSE(validate_value(*reg.find("bgp_table_dump_refresh_time"), "30").has_value());
    EXPECT_TRUE(validate_value(*reg.find("bgp_table_dump_refresh_time"), "300").has_value());
    EXPECT_FALSE(validate_value(*reg.find("thread_stack"), "1024").has_value());
    EXPECT_FALSE(validate_value(*reg.find("thread_stack"), "0x1000").has_value());
    EXPECT_TRUE(validate_value(*reg.find("thread_stack"), "8192000").has_value());
}

// CONFIG-KEYS documents exactly what the registry holds.
TEST(KeyRegistry, ConfigKeysDocumentMatchesTheRegistry) {
    std::string doc = read_file(std::string(PMACCT_SOURCE_DIR) + "/CONFIG-KEYS");
    std::string expected = app::render_config_keys();
    if (doc != expected) {
        // Point at the first entry that differs.
        std::size_t i = 0;
        while (i < doc.size() && i < expected.size() && doc[i] == expected[i]) ++i;
        std::size_t from = expected.rfind("\nKEY:", i);
        FAIL() << "CONFIG-KEYS is out of date (run `cmake --build build --target config-keys`); "
               << "first difference near:\n"
               << expected.substr(from == std::string::npos ? 0 : from, 400);
    }
    for (const KeySpec* k : KeyRegistry::instance().settings()) {
        EXPECT_NE(doc.find("\nKEY:      " + std::string(canonical_name(*k)) + "\n"), std::string::npos)
            << canonical_name(*k);
    }
}

}  // namespace
}  // namespace pmacct::config
