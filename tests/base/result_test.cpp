#include "yinxin/base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace yinxin {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return make_error(Errc::invalid_argument, "not positive");
    return v;
}

Result<int> doubled(int v) {
    YX_ASSIGN_OR_RETURN(int x, parse_positive(v));
    return x * 2;
}

Status check_both(int a, int b) {
    YX_TRY(parse_positive(a));
    YX_TRY(parse_positive(b));
    return ok_status();
}

TEST(Result, ValueAndError) {
    auto r = parse_positive(3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 3);
    EXPECT_EQ(r.code(), Errc::ok);

    auto e = parse_positive(-1);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.code(), Errc::invalid_argument);
    EXPECT_EQ(e.error().numeric(), 1001u);
    EXPECT_EQ(e.error().to_string(), "[1001 base.invalid_argument] not positive");
    EXPECT_THROW((void)e.value(), BadResultAccess);
    EXPECT_EQ(e.value_or(7), 7);
}

TEST(Result, PropagationMacros) {
    EXPECT_EQ(*doubled(4), 8);
    EXPECT_EQ(doubled(0).code(), Errc::invalid_argument);
    EXPECT_TRUE(check_both(1, 2).ok());
    EXPECT_EQ(check_both(1, -2).code(), Errc::invalid_argument);
}

TEST(Result, MoveOnlyValues) {
    Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
    ASSERT_TRUE(r.ok());
    auto p = std::move(r).value();
    EXPECT_EQ(*p, 5);
}

TEST(Result, EveryCodeHasAStableName) {
    // Codes are part of the external interface: each must have a dotted module name.
    for (auto c : {Errc::invalid_argument, Errc::bad_pem, Errc::crypto_signature_invalid, Errc::asn1_truncated,
                   Errc::asn1_indefinite_length}) {
        auto n = errc_name(c);
        EXPECT_NE(n, "unknown");
        EXPECT_NE(n.find('.'), std::string_view::npos) << n;
    }
}

}  // namespace
}  // namespace yinxin
