// The publication queue, read-only (issue 10: "CRL/OCSP/LDAP publication status and queue";
// docs/operations.md "Publication"). The queue itself is fed by the store and drained by the
// publish worker (`serve --publish-interval`, `yinxin publish run`); this route only shows it.
//
//   GET /api/v1/publication?target=&after=&limit=
//     → {targets: [{id, kind, enabled, created_at, url, base_dn,
//                   counts: {pending, done, skipped}}],
//        items: [{id, target, object, ca, object_id, state, attempts, next_attempt_at, last_error,
//                 created_at}]}
//   `items` are the pending rows in delivery order (after `after`, at most `limit`, 1..1000,
//   default 100); a row with attempts > 0 has failed that many times, last_error says why. A
//   target's configuration shows only its URL and base DN (no password file or CA file).
//
// Bearer tokens as in staff_routes.h. Who may read it: the members who run publication — those
// who may issue a CRL (status.crl.issue: the CA business admin) or maintain the servers
// (system.maintain: system maintainers); others get auth.denied.
#pragma once

#include <memory>

#include "yinxin/api/server.h"
#include "yinxin/auth/service.h"
#include "yinxin/base/result.h"
#include "yinxin/publish/queue.h"

namespace yinxin::api {

struct PublicationApi {
    std::shared_ptr<publish::PublicationQueue> queue;  // kept alive by the route
    auth::AuthService* auth = nullptr;
};

// `auth` must outlive the server.
Status add_publication_routes(Server& server, const PublicationApi& api);

}  // namespace yinxin::api
