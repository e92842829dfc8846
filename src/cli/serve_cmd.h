// `yinxin serve`: the HTTP API server (issue 4).
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

// Adds the `serve` subcommand. It runs until SIGINT or SIGTERM, then shuts down gracefully and
// returns; failures print the error and throw CLI::RuntimeError(1).
void register_serve_commands(CLI::App& app);

}  // namespace yinxin::cli
