// Replays corpus files through a harness without libFuzzer, so any compiler (GCC with ASan/UBSan
// in CI) runs the checked-in corpora and past findings as a regression test:
//     <harness>_replay FILE_OR_DIR...
// Directories are walked recursively. Exit status 0 when every file ran; a finding aborts.
// No file at all is an error: a mistyped corpus path must not pass silently.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
        return false;
    }
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // A heap copy of exactly the input size, so ASan sees reads past the end as libFuzzer would.
    auto copy = std::make_unique<std::uint8_t[]>(data.size() + (data.empty() ? 1 : 0));
    std::copy(data.begin(), data.end(), copy.get());
    LLVMFuzzerTestOneInput(copy.get(), data.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());  // a stable order makes a failure reproducible
            for (const auto& p : files) {
                ok = run_file(p) && ok;
                ++count;
            }
        } else {
            ok = run_file(arg) && ok;
            ++count;
        }
    }
    std::printf("replay: %zu inputs\n", count);
    if (count == 0) {
        std::fprintf(stderr, "replay: no input files\n");
        return 1;
    }
    return ok ? 0 : 1;
}
