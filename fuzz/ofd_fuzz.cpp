// libFuzzer harness for the OFD package reader (ofd::Package::read: ZIP, paths, limits) and the
// signature structures on top of it (read_ofd_xml, read_signatures, check_references). Small
// limits keep each run fast and exercise the limit paths; an accepted package must hold only
// normalised entry names within the limits, and reference checking must give one result per
// Reference.
#include "driver.h"
#include "yinxin/ofd/package.h"
#include "yinxin/ofd/signatures.h"

namespace yinxin::fuzz {

void fuzz_one(BytesView in) {
    ofd::ReadLimits limits;
    limits.max_package_size = std::size_t{4} << 20;
    limits.max_entries = 256;
    limits.max_entry_size = std::uint64_t{4} << 20;
    limits.max_total_size = std::uint64_t{8} << 20;
    limits.max_xml_size = std::size_t{1} << 20;
    auto pkg = ofd::Package::read(in, limits);
    if (!pkg) return;
    check(pkg->size() <= limits.max_entries, "entry count within the limit");
    std::uint64_t total = 0;
    for (const auto& e : pkg->entries()) {
        check(e.data.size() <= limits.max_entry_size, "entry size within the limit");
        total += e.data.size();
        auto resolved = ofd::resolve_path(e.name);
        check(resolved.ok() && *resolved == e.name, "entry names are normalised");
        check(pkg->contains("/" + e.name), "every entry is found by its absolute path");
    }
    check(total <= limits.max_total_size, "total size within the limit");
    (void)ofd::read_ofd_xml(*pkg);
    auto sigs = ofd::read_signatures(*pkg);
    if (!sigs) return;
    for (const auto& s : *sigs) {
        const auto rc = ofd::check_references(*pkg, s.file);
        check(rc.results.size() == s.file.references.size(), "one result per Reference");
        check(rc.all_valid() == rc.failed_paths().empty(), "all_valid agrees with failed_paths");
        (void)ofd::write_signature_file(s.file);
    }
}

}  // namespace yinxin::fuzz
