// `yinxin ca ...` and `yinxin cert ...`: CA ceremonies, the CA registry, issuing, showing and
// verifying certificates (issue 3). Parsing and printing only; the rules live in src/ca.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_ca_commands(CLI::App& app);

}  // namespace yinxin::cli
