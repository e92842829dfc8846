// `yinxin carrier import | list | show` and `yinxin carrier unlock-request submit | list | show |
// approve | review | reject | release`: the carrier inventory and the carrier PIN-unlock request
// (表 A.4) from the command line, over the HTTP API with a staff session token (from `yinxin staff
// login`). Decisions are signed here with the member's SM2 key over auth::decision_text, after the
// payload hash is recomputed from the form the server returned. Parsing and printing only; the
// rules live in src/ra/carrier.cpp.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_carrier_commands(CLI::App& app);

}  // namespace yinxin::cli
