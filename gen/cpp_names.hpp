// How RPCL names become C++ names: identifiers that are C++ keywords get a trailing '_'
// (`delete` -> `delete_`), and a contract's default namespace comes from its file name
// (`nfs_prot.x` -> `nfs_prot`, `my-proto.x` -> `my_proto`).
#pragma once

#include <string>
#include <string_view>

namespace nelson::gen {

/// True for the reserved words of C++20 (and the alternative operator tokens).
[[nodiscard]] bool is_cpp_keyword(std::string_view name) noexcept;

/// `name` made usable as a C++ identifier.
[[nodiscard]] std::string cpp_identifier(std::string_view name);

/// The namespace nelson-gen uses for `path` when none is given: the file's stem, with every
/// character that cannot appear in an identifier replaced by '_'.
[[nodiscard]] std::string namespace_from_file(std::string_view path);

}  // namespace nelson::gen
