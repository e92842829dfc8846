// `yinxin staff login` (the staff API from the command line). `yinxin staff demo` lives with the CA
// commands (ca_cmd.cpp), which own the signing environment it needs.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

// Adds `login` under the `staff` command.
void register_staff_login_command(CLI::App& staff);

}  // namespace yinxin::cli
