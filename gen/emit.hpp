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
#pragma once

#include <cstdint>
#include <string>

#include "gen/ast.hpp"

namespace nelson::gen {

struct EmitOptions {
  std::string contract{};                            // the .x file, as named in the generated header comment
  std::string namespace_name{};                      // `a::b`; empty: from the contract's file name
  std::string header_include{};                      // how the source #includes the header (emit_source only)
  bool split = false;                                // codec bodies in the source file rather than inline in the header
  std::uint64_t max_chain = std::uint64_t{1} << 20;  // default decode limit of a linked list
  bool client = true;                                // a client stub class per program version
  bool server = true;                                // a server skeleton class per program version
};

/// The header: types, and the codecs inline unless `options.split`.
[[nodiscard]] std::string emit_header(const Specification& spec, const EmitOptions& options);

/// The source file: the codec bodies (with `options.split`).
[[nodiscard]] std::string emit_source(const Specification& spec, const EmitOptions& options);

}  // namespace nelson::gen
