#include "gen/emit.hpp"

#include "gen/cpp_model.hpp"
#include "gen/cpp_names.hpp"
#include "gen/emit_parts.hpp"

namespace nelson::gen {

namespace {

std::string namespace_of(const EmitOptions& options) {
  return options.namespace_name.empty() ? namespace_from_file(options.contract) : options.namespace_name;
}

std::string banner(const EmitOptions& options) {
  std::string file = options.contract;
  if (const std::size_t slash = file.find_last_of('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return "// Generated from " + file + " by nelson-gen. Do not edit: change the contract and regenerate.\n";
}

// The namespace without a leading "::" (for "::ns::" qualification and `namespace ns {`).
std::string trimmed(std::string ns) {
  if (ns.starts_with("::")) ns.erase(0, 2);
  return ns;
}

}  // namespace

std::vector<std::string> unknown_view_types(const Specification& spec, const EmitOptions& options) {
  return CppModel(spec).select_views(false, options.view_types);
}

std::string emit_header(const Specification& spec, const EmitOptions& options) {
  CppModel model(spec);
  const std::string ns = trimmed(namespace_of(options));
  model.set_namespace(ns);
  (void)model.select_views(options.views, options.view_types);
  const std::vector<TypeUnit> units = type_units(spec, model);
  std::string out = banner(options);
  out += "#pragma once\n\n";
  for (const char* h :
       {"array", "cstddef", "cstdint", "memory", "optional", "span", "string", "string_view", "variant", "vector"}) {
    out += std::string("#include <") + h + ">\n";
  }
  out += "\n";
  const bool rpc = has_programs(spec) && (options.client || options.server);
  if (rpc && options.client) out += "#include \"client/typed.hpp\"\n";
  if (rpc && options.server) out += "#include \"server/service.hpp\"\n";
  out += "#include \"xdr/decoder.hpp\"\n#include \"xdr/encoder.hpp\"\n#include \"xdr/equal.hpp\"\n";
  for (const std::string& h : options.includes) out += "#include \"" + h + "\"\n";
  out += "\n";
  out += "namespace " + ns + " {\n\n";
  out += "namespace xdr = ::nelson::xdr;\n\n";
  out += emit_types(spec, model, options);
  out += emit_codec_declarations(units, model, !options.split);
  if (!options.split) out += emit_codec_definitions(units, model, true);
  if (has_programs(spec)) out += emit_rpc(spec, model, options);
  while (out.ends_with("\n\n")) out.pop_back();
  return out + "\n}  // namespace " + ns + "\n";
}

std::string emit_source(const Specification& spec, const EmitOptions& options) {
  CppModel model(spec);
  const std::string ns = trimmed(namespace_of(options));
  model.set_namespace(ns);
  (void)model.select_views(options.views, options.view_types);
  const std::vector<TypeUnit> units = type_units(spec, model);
  std::string out = banner(options);
  out += "#include \"" + options.header_include + "\"\n\n";
  out += "namespace " + ns + " {\n\n";
  out += emit_codec_definitions(units, model, false);
  while (out.ends_with("\n\n")) out.pop_back();
  return out + "\n}  // namespace " + ns + "\n";
}

}  // namespace nelson::gen
