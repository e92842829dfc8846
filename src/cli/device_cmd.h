// `yinxin device ...`: the soft device's custodian ceremonies and status (LD/T 03-2022 §8.3.6).
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

// Adds the `device` subcommand (init, unlock, status) to `app`. Failures print the error and
// throw CLI::RuntimeError(1), which CLI11_PARSE turns into the exit code.
void register_device_commands(CLI::App& app);

}  // namespace yinxin::cli
