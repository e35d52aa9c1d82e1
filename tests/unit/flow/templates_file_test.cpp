// The templates file: what is saved comes back the same, lines that are not templates are
// skipped, and a missing file is an empty start.
#include "pmacct/flow/templates_file.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "ip_support.hpp"
#include "test_support.hpp"

namespace pmacct::flow {
namespace {

using pmacct::testing::ip;
using pmacct::testing::TempDir;

Template make(std::uint16_t id, bool options, std::uint16_t scopes, bool v9_scopes, std::vector<TemplateField> fields) {
    Template t;
    t.id = id;
    t.options = options;
    t.scope_fields = scopes;
    t.v9_scopes = v9_scopes;
    t.fields = std::move(fields);
    return t;
}

TEST(TemplatesFile, SavedTemplatesComeBackTheSame) {
    if (!templates_file_supported()) GTEST_SKIP() << "built without jansson";
    TemplateDecoder a;
    const TemplateKey v9{{ip("192.0.2.1"), 7}, 256, 9};
    const TemplateKey v9_options{{ip("192.0.2.1"), 7}, 257, 9};
    const TemplateKey ipfix{{ip("2001:db8::1"), 65536}, 300, 10};
    ASSERT_TRUE(a.install_template(v9, make(256, false, 0, false, {{8, 4, 0}, {12, 4, 0}, {40005, 1, 0}})));
    ASSERT_TRUE(a.install_template(v9_options, make(257, true, 1, true, {{2, 4, 0}, {82, 16, 0}})));
    ASSERT_TRUE(a.install_template(ipfix, make(300, false, 0, false, {{315, 65535, 0}, {137, 4, 2636}, {1, 8, 0}})));
    TempDir dir;
    const std::string path = dir.path() + "/t.json";
    ASSERT_TRUE(save_templates(a, path).has_value());
    TemplateDecoder b;
    auto loaded = load_templates(b, path);
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    EXPECT_EQ(loaded->installed, 3U);
    EXPECT_EQ(loaded->skipped, 0U);
    for (const TemplateKey& k : {v9, v9_options, ipfix}) {
        const Template* x = a.find(k);
        const Template* y = b.find(k);
        ASSERT_NE(y, nullptr) << k.id;
        EXPECT_EQ(x->fields, y->fields);
        EXPECT_EQ(x->options, y->options);
        EXPECT_EQ(x->scope_fields, y->scope_fields);
        EXPECT_EQ(x->v9_scopes, y->v9_scopes);
        EXPECT_EQ(x->variable, y->variable);
    }
}

TEST(TemplatesFile, LinesThatAreNotTemplatesAreSkipped) {
    if (!templates_file_supported()) GTEST_SKIP() << "built without jansson";
    TempDir dir;
    const std::string path = dir.path() + "/t.json";
    std::ofstream(path) << "not json\n"
                        << "{\"agent\": \"nowhere\", \"source_id\": 0, \"template_id\": 256, \"fields\": [[8, 4, 0]]}\n"
                        << "{\"agent\": \"192.0.2.1\", \"source_id\": 0, \"template_id\": 12, \"fields\": [[8, 4, 0]]}\n"
                        << "{\"agent\": \"192.0.2.1\", \"source_id\": 0, \"template_id\": 256, \"fields\": []}\n"
                        // pmacct's own layout: the id byte-swapped (0x0101 is 257 both ways).
                        << "{\"agent\": \"192.0.2.1\", \"source_id\": 0, \"template_id\": 257, \"template_type\": 0, "
                           "\"list\": [{\"type\": 0, \"otpl\": {\"off\": 0, \"len\": 4, \"tpl_len\": 4, \"tpl_index\": 8}}]}\n";
    TemplateDecoder d;
    auto loaded = load_templates(d, path);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->installed, 1U);
    EXPECT_EQ(loaded->skipped, 4U);
    EXPECT_NE(d.find(TemplateKey{{ip("192.0.2.1"), 0}, 257, 9}), nullptr);
    EXPECT_NE(d.find(TemplateKey{{ip("192.0.2.1"), 0}, 257, 10}), nullptr);
    auto missing = load_templates(d, dir.path() + "/none.json");
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->installed, 0U);
}

}  // namespace
}  // namespace pmacct::flow
