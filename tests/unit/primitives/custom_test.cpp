// aggregate_primitives files: what is accepted, what is skipped and why, and how installed
// primitives become keys and columns like built-in ones.
#include "pmacct/primitives/custom.hpp"

#include <gtest/gtest.h>

namespace pmacct::primitives {
namespace {

TEST(CustomPrimitives, EntriesWithEverySemantics) {
    const CustomLoad l = parse_custom(
        "! comment\n"
        "name=vrf field_type=234 len=4 semantics=u_int\n"
        "\n"
        "  name=cpid field_type=2636:137 len=2 semantics=hex  \n"
        "# another comment\n"
        "name=nh field_type=18 len=4 semantics=ip\n"
        "name=m field_type=56 len=6 semantics=mac\n"
        "name=descr field_type=83 len=64 semantics=str\n"
        "name=frame field_type=315 len=vlen semantics=raw\n");
    EXPECT_TRUE(l.skipped.empty());
    ASSERT_EQ(l.primitives.size(), 6U);
    EXPECT_EQ(l.primitives[0].name, "vrf");
    EXPECT_EQ(l.primitives[0].type, 234);
    EXPECT_EQ(l.primitives[0].pen, 0U);
    EXPECT_EQ(l.primitives[1].pen, 2636U);
    EXPECT_EQ(l.primitives[1].type, 137);
    EXPECT_EQ(l.primitives[1].semantics, CustomSemantics::kHex);
    EXPECT_EQ(l.primitives[2].key_size(), 17);  // an address key
    EXPECT_EQ(l.primitives[3].key_size(), 6);
    EXPECT_EQ(l.primitives[4].key_size(), 64);
    EXPECT_TRUE(l.primitives[5].vlen);
    EXPECT_EQ(l.primitives[5].key_size(), kCustomVlenKeySize);
    // Column widths as pmacct pads them.
    EXPECT_EQ(l.primitives[0].text_width(), 10);
    EXPECT_EQ(l.primitives[1].text_width(), 5);
    EXPECT_EQ(l.primitives[2].text_width(), 46);
    EXPECT_EQ(l.primitives[3].text_width(), 18);
    EXPECT_EQ(l.primitives[4].text_width(), 64);
}

TEST(CustomPrimitives, BadEntriesAreSkippedWithTheirLine) {
    const CustomLoad l = parse_custom(
        "name=ok field_type=1 len=8 semantics=u_int\n"
        "name=bad field_type=56 len=6 semantics=foo\n"
        "field_type=4 len=1 semantics=u_int\n"
        "name=wide field_type=1 len=3 semantics=u_int\n"
        "name=ok field_type=2 len=8 semantics=u_int\n"
        "name=src_host field_type=8 len=4 semantics=ip\n"
        "name=p packet_ptr=l3:6+20 len=2 semantics=u_int\n"
        "name=t field_type=70000 len=4 semantics=u_int\n"
        "name=l field_type=4 len=4\n");
    ASSERT_EQ(l.primitives.size(), 1U);
    ASSERT_EQ(l.skipped.size(), 8U);
    EXPECT_EQ(l.skipped[0].line, 2);
    EXPECT_NE(l.skipped[0].why.find("semantics 'foo'"), std::string::npos);
    EXPECT_EQ(l.skipped[1].why, "no name");
    EXPECT_NE(l.skipped[2].why.find("len 1, 2, 4 or 8"), std::string::npos);
    EXPECT_NE(l.skipped[3].why.find("defined twice"), std::string::npos);
    EXPECT_NE(l.skipped[4].why.find("built-in"), std::string::npos);
    EXPECT_NE(l.skipped[5].why.find("packet_ptr"), std::string::npos);
    EXPECT_NE(l.skipped[6].why.find("field_type"), std::string::npos);
    EXPECT_EQ(l.skipped[7].line, 9);
    EXPECT_EQ(l.skipped[7].why, "no semantics");
}

TEST(CustomPrimitives, InstalledOnesAreFoundLikeBuiltIns) {
    const CustomLoad l = parse_custom("name=vrf_id_ingress field_type=234 len=4 semantics=u_int\n");
    install_custom(l.primitives);
    const PrimitiveSpec* spec = find("vrf_id_ingress");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->header, "vrf_id_ingress");
    EXPECT_EQ(spec->json_key, "vrf_id_ingress");
    EXPECT_EQ(custom_index(spec), 0);
    ASSERT_NE(custom_of(spec), nullptr);
    EXPECT_EQ(custom_of(spec)->type, 234);
    EXPECT_EQ(custom_of(find("src_host")), nullptr);
    install_custom({});
    EXPECT_EQ(find("vrf_id_ingress"), nullptr);
}

// Configurations written for pmacct 1.7.7 define custom primitives named like built-ins that came
// later (QUICKSTART Va's vrf_name): the user's definition is the one used. Names 1.7.7 had as
// built-ins stay refused.
TEST(CustomPrimitives, ReplaceBuiltInsNewerThan177) {
    const CustomLoad l = parse_custom("name=vrf_name field_type=236 len=32 semantics=str\n"
                                      "name=flow_label field_type=31 len=4 semantics=u_int\n"
                                      "name=src_host field_type=8 len=4 semantics=ip\n");
    ASSERT_EQ(l.primitives.size(), 2U);
    ASSERT_EQ(l.skipped.size(), 1U);
    EXPECT_EQ(l.skipped[0].line, 3);
    EXPECT_NE(l.skipped[0].why.find("built-in"), std::string::npos);
    const PrimitiveSpec* before = find("vrf_name");
    ASSERT_NE(before, nullptr);
    EXPECT_EQ(custom_of(before), nullptr);
    EXPECT_EQ(before->header, "VRF_NAME");
    install_custom(l.primitives);
    const PrimitiveSpec* spec = find("vrf_name");
    ASSERT_NE(custom_of(spec), nullptr);
    EXPECT_EQ(custom_of(spec)->type, 236);
    EXPECT_EQ(spec->header, "vrf_name");
    EXPECT_EQ(custom_of(find("flow_label"))->type, 31);
    EXPECT_EQ(custom_of(find("ingress_vrf_name")), nullptr);
    install_custom({});
    EXPECT_EQ(find("vrf_name"), before);
}

}  // namespace
}  // namespace pmacct::primitives
