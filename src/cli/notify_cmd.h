// `yinxin notify list | show | run | retry | check`: the notification outbox from the command line
// (docs/operations.md "Notifications"), and the background worker `yinxin serve` runs. Parsing and
// printing only; the rules live in src/ra (notify.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_notify_commands(CLI::App& app);

// Delivers the notification outbox of a store file every `interval` on its own thread, with its
// own store connections, until stopped. The configuration is read again every round from
// `config_path` (usually <data-dir>/notify.json; a missing file configures nothing, so
// notifications wait; a bad one is reported on stderr and the round is skipped). Deliveries and
// failures go to the audit log (actor "system", source `source`); one line per round that did
// something goes to stdout/stderr.
class NotifyWorker {
public:
    virtual ~NotifyWorker() = default;
    virtual void stop() = 0;
};
std::unique_ptr<NotifyWorker> start_notify_worker(const std::string& store_path, const std::string& config_path,
                                                  std::chrono::seconds interval, const std::string& source);

}  // namespace yinxin::cli
