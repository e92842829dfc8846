// `yinxin seal make|show|sign|verify`: the offline seal tool (LD/T 01.1 §8.1.1, issue 7).
#pragma once

#include <CLI/CLI.hpp>

namespace yinxin::cli {

// Exit status of `yinxin seal verify` (also in its --help text).
inline constexpr int k_seal_exit_valid = 0;
inline constexpr int k_seal_exit_invalid = 3;
inline constexpr int k_seal_exit_tampered = 4;
inline constexpr int k_seal_exit_untrusted = 5;
inline constexpr int k_seal_exit_unparseable = 6;

void register_seal_commands(CLI::App& app);

}  // namespace yinxin::cli
