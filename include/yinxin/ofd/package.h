// OFD package (GB/T 33190 §7.4: a ZIP container) read and written with libzip.
//
// Safe by design: an OFD arrives from anywhere, so reading
//  - caps the package size, the number of entries, every entry's and the total uncompressed size
//    (counted while inflating, never trusted from the headers) and the per-entry expansion ratio
//    (zip bombs): ofd.too_large, ofd.too_many_entries, ofd.zip_bomb;
//  - refuses entry names that are not plain relative paths: backslashes, NUL or control
//    characters, '.'/'..' segments, empty segments, a leading '/' or a drive letter (ofd.bad_path);
//  - refuses two entries with the same name (ofd.duplicate_entry): which one a consumer reads
//    would be reader-dependent, a classic way to show one document and sign another;
//  - refuses encrypted entries and unknown compression methods (ofd.unsupported).
// Every entry is inflated once at read time; the package then lives in memory.
//
// Paths: entry names are kept as in the archive ("Doc_0/Document.xml"). Lookups take package
// paths as written inside OFD files: absolute ("/Doc_0/Document.xml"), with the leading "//" some
// producers write (Koal FileRef), or relative to the root ("Doc_0/Document.xml").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yinxin/base/bytes.h"
#include "yinxin/base/result.h"

namespace yinxin::ofd {

struct ReadLimits {
    std::size_t max_package_size = std::size_t{256} << 20;  // the ZIP file itself
    std::size_t max_entries = 10000;
    std::uint64_t max_entry_size = std::uint64_t{256} << 20;  // one entry, uncompressed
    std::uint64_t max_total_size = std::uint64_t{512} << 20;  // all entries, uncompressed
    // Deflate reaches ~1000:1 at most on real data only for degenerate content; fonts and XML stay
    // far below 100:1. The ratio is only applied to entries above ratio_threshold bytes, so small
    // highly repetitive XML is fine.
    std::uint64_t max_ratio = 200;
    std::uint64_t ratio_threshold = std::uint64_t{1} << 20;
    std::size_t max_xml_size = std::size_t{32} << 20;  // one XML part given to the XML parser
};

struct Entry {
    std::string name;  // normalised, relative ("Doc_0/Pages/Page_0/Content.xml")
    Bytes data;
};

// Normalises a package path as written inside OFD files to an entry name: leading '/' (one or
// more, Koal writes "//Doc_0/..."), '.' segments and repeated '/' dropped, '..' resolved. Relative
// paths are resolved against `base_dir` (an entry name's directory, "" for the root). A path that
// climbs above the root, contains a backslash, NUL/control character or a drive letter, or is
// empty is ofd.bad_path.
Result<std::string> resolve_path(std::string_view path, std::string_view base_dir = {});
// The directory part of an entry name ("Doc_0/Signs" for "Doc_0/Signs/Signatures.xml", "" for a root file).
std::string parent_dir(std::string_view entry_name);
// "/" + name: the form OFD files use in FileRef and BaseLoc.
std::string absolute(std::string_view entry_name);

class Package {
public:
    Package() = default;  // an empty package (to build one from scratch)

    static Result<Package> read(BytesView zip, const ReadLimits& limits = {});
    static Result<Package> read_file(const std::filesystem::path& path, const ReadLimits& limits = {});

    // Entries in archive order (then added ones in the order they were put); directories are not entries.
    const std::vector<Entry>& entries() const { return m_entries; }
    std::size_t size() const { return m_entries.size(); }
    const ReadLimits& limits() const { return m_limits; }

    // `path` as accepted by resolve_path (relative to the root).
    bool contains(std::string_view path) const;
    // ofd.missing_part when absent, ofd.bad_path for an invalid path. The view stays valid until
    // the entry is replaced or removed.
    Result<BytesView> get(std::string_view path) const;

    // Adds or replaces an entry (replacement keeps its position). ofd.bad_path for an invalid name.
    Status put(std::string_view path, Bytes data);
    // True when something was removed.
    bool remove(std::string_view path);

    // A new ZIP: entries in order, deflated (level 9), every timestamp the DOS epoch
    // 1980-01-01 00:00, no extra fields: the same package always gives the same bytes.
    Result<Bytes> write() const;

private:
    const Entry* find(std::string_view name) const;
    std::vector<Entry> m_entries;
    std::map<std::string, std::size_t, std::less<>> m_index;
    ReadLimits m_limits;
};

}  // namespace yinxin::ofd
