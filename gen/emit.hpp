// gen::emit_header / emit_source — C++ types and XDR codecs for one checked contract.
//
//   gen::Contract c = gen::read_contract({.file = "mount.x"});
//   gen::EmitOptions o{.contract = "mount.x", .namespace_name = "mount"};
//   write("mount.hpp", gen::emit_header(c.specification, o));      // everything inline
//
// What the C++ looks like (one namespace per contract):
//   const MAXNAME = 255;            inline constexpr std::uint32_t MAXNAME = 255;
//   enum color { RED = 1 };         enum class color : std::int32_t { RED = 1 };
//   typedef string name<MAXNAME>;   using name = std::string;   (+ encode_name/decode_name)
//   struct s { int a<>; s *next; }; struct s { std::vector<std::int32_t> a;
//                                              std::unique_ptr<s> next; ~s(); };
//   union u switch (int k) {        struct u { std::int32_t k = 0;
//     case 0: int x; default: void;   std::variant<std::monostate, std::int32_t> u_u{...};
//   };                                std::int32_t* x(); void select(std::int32_t); };
// Every struct, union and enum T has `bool encode(xdr::Encoder&, const T&)` and
// `bool decode(xdr::Decoder&, T&)`; a typedef X (an alias, so not overloadable) has
// encode_X/decode_X. Details of each mapping are in the .cpp files that write them.
//
// Every struct and union also has `bool operator==(const T&, const T&)` (so != too), and every
// typedef X `bool equal_X(const X&, const X&)`: value equality, member by member through
// xdr::equal (xdr/equal.hpp), which compares what an owning std::unique_ptr points to (not the
// address) and the bytes of a view (std::span has no ==); a linked list is compared node by node
// in a loop. Floats compare as floats (NaN != NaN).
//
// Views (`views`, `view_types`; nelson-gen --views / --view NAME): variable-length `opaque<>`
// and `string<>` become std::span<const std::byte> and std::string_view, which decode() points
// into the xdr::Decoder's input with no allocation and no copy, and encode() writes from. The
// maximums are checked both ways as for owning types; fixed `opaque[n]` stays std::array.
// LIFETIME: a decoded value holding views is valid only while the decoded bytes are (e.g. the
// receive buffer of the call); copy what must outlive them. A value built to be encoded only
// needs what its views point to to live until encode() returns. `view_types` names typedefs,
// structs and unions: their own members and arms (and the inline types declared in them)
// become views, not other named types they use (gen/cpp_views.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen/ast.hpp"

namespace nelson::gen {

struct EmitOptions {
  std::string contract{};                            // the .x file, as named in the generated header comment
  std::string namespace_name{};                      // `a::b`; empty: from the contract's file name
  std::string header_include{};                      // how the source #includes the header (emit_source only)
  bool split = false;                                // codec bodies in the source file rather than inline in the header
  std::uint64_t max_chain = std::uint64_t{1} << 20;  // default decode limit of a linked list
  std::uint32_t max_depth = 1000;                    // decode limit of nesting through owning pointers
  bool client = true;                                // a client stub class per program version
  bool server = true;                                // a server skeleton class per program version
  bool views = false;                                // every opaque<> and string<> is a view
  std::vector<std::string> view_types{};             // or only those of these types (see above)
  std::vector<std::string> includes{};               // headers the generated one #includes: the
                                                     // C++ of the external types a `%#include` brings
};

/// The names in `options.view_types` that are not a typedef, struct or union of `spec`.
[[nodiscard]] std::vector<std::string> unknown_view_types(const Specification& spec, const EmitOptions& options);

/// The header: types, and the codecs inline unless `options.split`.
[[nodiscard]] std::string emit_header(const Specification& spec, const EmitOptions& options);

/// The source file: the codec bodies (with `options.split`).
[[nodiscard]] std::string emit_source(const Specification& spec, const EmitOptions& options);

}  // namespace nelson::gen
