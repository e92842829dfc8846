// `yinxin publish target add | list | enable | disable`, `publish queue`, `publish run`,
// `publish opt-out`, `publish retry | skip`: LDAP publication and push sync from the command line
// (docs/operations.md "Publication: LDAP and push sync"), and the background worker `yinxin serve`
// runs. Parsing and printing only; the rules live in src/publish.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "yinxin/ca/issuer.h"

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_publish_commands(CLI::App& app);

// Drains the publication queue of a store file every `interval` on its own thread, with its own
// store connections, until stopped. Deliveries and failures go to the audit log (actor "system",
// source `source`) and one line per round that did something to stdout/stderr. `keys` signs
// callbacks (empty: callback targets wait). Nothing `keys` refers to may die before the worker.
class PublishWorker {
public:
    virtual ~PublishWorker() = default;
    virtual void stop() = 0;
};
std::unique_ptr<PublishWorker> start_publish_worker(const std::string& store_path, std::chrono::seconds interval,
                                                    ca::KeyResolver keys, const std::string& source);

}  // namespace yinxin::cli
