// `yinxin sealsys ...`: the seal making and status publishing systems from the command line
// (LD/T 01.1-2022 §7.5-§7.10, §8.3), over the HTTP API with a staff session token (from `yinxin
// staff login`): applications (apply, list, show, approve, reject, make, deliver, download), seals,
// lifecycle requests (request, list, show, approve, reject, execute), online renewal signed with the
// seal's own key, the public status query and the signed seal revocation list (fetch, verify).
// Decisions are signed here with the member's SM2 key over auth::decision_text, after the payload
// hash is recomputed from what the server shows. Parsing and printing only; the rules live in
// src/sealsys/.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_sealsys_commands(CLI::App& app);
// The hierarchy subcommands (sealsys_hierarchy_cmd.cpp) under `yinxin sealsys`.
void register_sealsys_hierarchy_commands(CLI::App& sealsys);

}  // namespace yinxin::cli
