// `yinxin card`: third-generation social-security card certificates (LD/T 03-2022 §6.4.7) from the
// command line on the CA host: card-issuance data import, batch jobs (submit with a progress bar,
// resume, status, result file) and real-time single requests (modes 3 and 5).
#pragma once

namespace CLI {
class App;
}

namespace yinxin::cli {

void register_card_commands(CLI::App& app);

}  // namespace yinxin::cli
