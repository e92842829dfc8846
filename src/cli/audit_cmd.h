// `yinxin audit ...`: check and read the tamper-evident audit log (LD/T 03-2022 §8.3.8).
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

// Adds the `audit` subcommand (verify, show) to `app`. `audit verify` exits 0 when the log is
// intact, 2 when it names a tampered record or checkpoint, 1 when it cannot run. Access control
// (only the auditor and the audit admin read the log) is the file's permissions here; the server
// enforces the roles.
void register_audit_commands(CLI::App& app);

}  // namespace yinxin::cli
