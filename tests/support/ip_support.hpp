// An address from its text, failing the test when the text is not one.
#pragma once

#include <gtest/gtest.h>

#include "pmacct/record/flow_record.hpp"

namespace pmacct::testing {

inline IpAddress ip(const char* text) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::parse(text, a)) << text;
    return a;
}

}  // namespace pmacct::testing
