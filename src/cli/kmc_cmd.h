// `yinxin kmc open-envelope | list | archive | purge`: the holder's side of a dual certificate (open
// the SM2EnvelopedKey or GM/T 0092 CSRResponse with the signing key and write the encryption key
// pair to the token file) and the KMC's retention jobs on the store of --data-dir. Parsing and
// printing only; the rules live in src/kmc.
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_kmc_commands(CLI::App& app);

}  // namespace yinxin::cli
