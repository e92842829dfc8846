// The Errc → HTTP status table and RFC 9457 problem documents.
#include "yinxin/api/problem.h"

#include <gtest/gtest.h>

namespace yinxin::api {
namespace {

TEST(Problem, StatusTable) {
    EXPECT_EQ(http_status_for(Errc::invalid_argument), 400u);
    EXPECT_EQ(http_status_for(Errc::bad_pem), 400u);
    EXPECT_EQ(http_status_for(Errc::not_found), 404u);
    EXPECT_EQ(http_status_for(Errc::store_not_found), 404u);
    EXPECT_EQ(http_status_for(Errc::ca_not_found), 404u);  // by the *.not_found rule
    EXPECT_EQ(http_status_for(Errc::profile_not_found), 404u);
    EXPECT_EQ(http_status_for(Errc::store_conflict), 409u);
    EXPECT_EQ(http_status_for(Errc::store_duplicate_serial), 409u);
    EXPECT_EQ(http_status_for(Errc::profile_duplicate_id), 409u);  // by the duplicate rule
    EXPECT_EQ(http_status_for(Errc::ca_bad_csr), 400u);            // by the *.bad_* rule
    EXPECT_EQ(http_status_for(Errc::asn1_truncated), 400u);
    EXPECT_EQ(http_status_for(Errc::x509_path_expired), 422u);  // parses, breaks a rule
    EXPECT_EQ(http_status_for(Errc::lint_failed), 422u);
    EXPECT_EQ(http_status_for(Errc::auth_bad_credentials), 401u);
    EXPECT_EQ(http_status_for(Errc::auth_denied), 403u);
    EXPECT_EQ(http_status_for(Errc::auth_out_of_scope), 403u);
    EXPECT_EQ(http_status_for(Errc::api_unauthenticated), 401u);
    EXPECT_EQ(http_status_for(Errc::api_forbidden), 403u);
    EXPECT_EQ(http_status_for(Errc::api_body_too_large), 413u);
    EXPECT_EQ(http_status_for(Errc::api_unsupported_media_type), 415u);
    EXPECT_EQ(http_status_for(Errc::api_header_too_large), 431u);
    EXPECT_EQ(http_status_for(Errc::api_method_not_allowed), 405u);
    EXPECT_EQ(http_status_for(Errc::internal), 500u);
    EXPECT_EQ(http_status_for(Errc::io_error), 500u);
    EXPECT_EQ(http_status_for(Errc::device_locked), 503u);
}

TEST(Problem, DocumentMembers) {
    const auto j = problem_json(make_error(Errc::store_not_found, "certificate 01 not found"), 404, "abc-1");
    EXPECT_EQ(j["type"], "urn:yinxin:problem:store.not_found");
    EXPECT_EQ(j["title"], "Not Found");
    EXPECT_EQ(j["status"], 404);
    EXPECT_EQ(j["detail"], "certificate 01 not found");
    EXPECT_EQ(j["code"], 8002);
    EXPECT_EQ(j["error"], "store.not_found");
    EXPECT_EQ(j["instance"], "urn:yinxin:request:abc-1");
    EXPECT_EQ(j["request_id"], "abc-1");

    // 5xx: the internal message stays in the log.
    const auto r = problem_response(make_error(Errc::internal, "open /secret/path failed"), "abc-2");
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(r.body.find("/secret/path"), std::string::npos);
}

}  // namespace
}  // namespace yinxin::api
