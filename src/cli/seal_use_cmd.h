// `yinxin seal-use request | list | show | approve | refuse | sign | fetch | log | grant | users`:
// centralized seal use with approval (LD/T 01.1-2022 §8.1.2, §8.2) from the command line, over the
// HTTP API with a staff session token (from `yinxin staff login`). A decision is signed here with the
// reviewer's SM2 key over auth::decision_text after the payload the server shows is printed and its
// SM3 recomputed: the reviewer signs what they read. Parsing and printing only; the rules live in
// src/sealsys/use.cpp.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_seal_use_commands(CLI::App& app);

}  // namespace yinxin::cli
