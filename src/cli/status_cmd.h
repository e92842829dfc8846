// `yinxin cert revoke | hold | release-hold` and `yinxin crl issue | show`: certificate status from
// the command line (LD/T 03-2022 §6.4.4, §6.4.6). Parsing and printing only; the rules live in
// src/ca/status.cpp.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

// `cert` is the `yinxin cert` group (registered by ca_cmd.cpp); `crl` is added to `app`.
void register_status_commands(CLI::App& app, CLI::App& cert);

}  // namespace yinxin::cli
