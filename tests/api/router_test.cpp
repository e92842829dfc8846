// Route table: pattern validation, matching with {param} segments, specificity, 404 vs 405.
#include "yinxin/api/router.h"

#include <gtest/gtest.h>

namespace yinxin::api {
namespace {

Handler tag(std::string name) {
    return [name](const Request&) -> Result<Response> { return Response::text(name); };
}

TEST(Router, MatchesLiteralAndParameterSegments) {
    Router r;
    ASSERT_TRUE(r.add("GET", "/v1/certs/{serial}", tag("by-serial")).ok());
    ASSERT_TRUE(r.add("GET", "/v1/certs/revoked", tag("revoked")).ok());
    ASSERT_TRUE(r.add("POST", "/v1/certs/{serial}/revoke", tag("revoke")).ok());

    auto m = r.match("GET", "/v1/certs/0A1B");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/v1/certs/{serial}");
    EXPECT_EQ(m.params.at("serial"), "0A1B");

    // The literal wins over the parameter, whatever the registration order.
    m = r.match("GET", "/v1/certs/revoked");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/v1/certs/revoked");

    m = r.match("POST", "/v1/certs/77/revoke");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("serial"), "77");
}

TEST(Router, PercentDecodesParametersAfterSplitting) {
    Router r;
    ASSERT_TRUE(r.add("GET", "/org/{name}", tag("org")).ok());
    auto m = r.match("GET", "/org/a%2Fb%20c");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("name"), "a/b c");  // %2F stays inside the segment

    m = r.match("GET", "/org/%zz");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_EQ(m.error.code, Errc::api_bad_request);
    m = r.match("GET", "/org/a%00b");
    EXPECT_EQ(m.error.code, Errc::api_bad_request);
}

TEST(Router, DistinguishesNotFoundFromMethodNotAllowed) {
    Router r;
    ASSERT_TRUE(r.add("GET", "/items", tag("list")).ok());
    ASSERT_TRUE(r.add("POST", "/items", tag("create")).ok());

    auto m = r.match("GET", "/nothing");
    EXPECT_EQ(m.error.code, Errc::api_route_not_found);
    m = r.match("GET", "/items/");  // trailing slash is another resource
    EXPECT_EQ(m.error.code, Errc::api_route_not_found);

    m = r.match("DELETE", "/items");
    EXPECT_EQ(m.error.code, Errc::api_method_not_allowed);
    EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "HEAD", "POST"}));

    m = r.match("HEAD", "/items");  // HEAD is served by GET (RFC 9110 §9.3.2)
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->method, "GET");

    EXPECT_EQ(r.match("GET", "items").error.code, Errc::api_bad_request);
    EXPECT_EQ(r.match("GET", "http://x/items").error.code, Errc::api_bad_request);
}

TEST(Router, RefusesMalformedAndDuplicateRoutes) {
    Router r;
    EXPECT_EQ(r.add("get", "/a", tag("x")).code(), Errc::invalid_argument);
    EXPECT_EQ(r.add("GET", "a", tag("x")).code(), Errc::invalid_argument);
    EXPECT_EQ(r.add("GET", "/a/{}", tag("x")).code(), Errc::invalid_argument);
    EXPECT_EQ(r.add("GET", "/a/{x}/{x}", tag("x")).code(), Errc::invalid_argument);
    EXPECT_EQ(r.add("GET", "/a b", tag("x")).code(), Errc::invalid_argument);
    EXPECT_EQ(r.add("GET", "/a", nullptr).code(), Errc::invalid_argument);
    ASSERT_TRUE(r.add("GET", "/a/{x}", tag("x")).ok());
    EXPECT_EQ(r.add("GET", "/a/{y}", tag("y")).code(), Errc::api_route_conflict);
    EXPECT_TRUE(r.add("PUT", "/a/{y}", tag("y")).ok());
}

TEST(Http, MediaTypeAndJsonParsing) {
    EXPECT_EQ(media_type("Application/JSON; charset=UTF-8"), "application/json");
    EXPECT_EQ(media_type(""), "");
    EXPECT_TRUE(parse_json(R"({"a":[1,2,3]})").ok());
    EXPECT_EQ(parse_json("{\"a\":").code(), Errc::api_bad_json);
    EXPECT_EQ(parse_json("").code(), Errc::api_bad_json);
    EXPECT_EQ(parse_json(std::string(100000, '[')).code(), Errc::api_bad_json);
    EXPECT_TRUE(parse_json(std::string(10, '[') + std::string(10, ']')).ok());
    EXPECT_EQ(parse_json(std::string(70, '[') + std::string(70, ']')).code(), Errc::api_bad_json);
}

}  // namespace
}  // namespace yinxin::api
