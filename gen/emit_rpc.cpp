// The RPC half of the generated code: for each program, its numbers as constants, and for each
// of its versions a client stub class (on client::Client) and a server skeleton (an abstract
// class registering with server::Server).
//
//   program BENCHPROG {                       inline constexpr std::uint32_t BENCHPROG = 0x20000099;
//     version BENCHVERS {                     inline constexpr std::uint32_t BENCHVERS = 1;
//       bench_bytes BENCH_ECHO(bench_bytes)   inline constexpr std::uint32_t BENCH_ECHO = 1;
//         = 1;                                class BENCHVERS_client {   bench_echo(arg, done);
//     } = 1;                                                             bench_echo_sync(arg); };
//   } = 0x20000099;                           class BENCHVERS_service {  virtual Status bench_echo(
//                                               Call&, const bench_bytes&, bench_bytes& result) = 0;
//                                               bool register_on(server::Server&, ...); };
//
// Methods are the procedure names in lower case (C++ keywords and the classes' own member names
// get a trailing '_'). A constant is written once per name: mount.x repeats MOUNTPROC_MNT in
// three versions with one number; a name given two numbers gets no constant (the classes use
// the numbers themselves).
#include <map>
#include <set>
#include <string>

#include "gen/cpp_names.hpp"
#include "gen/emit_parts.hpp"

namespace nelson::gen {

namespace {

// The skeletons' return type, spelled out (generated code may live in any namespace).
std::string status_type() { return "::nelson::server::Status"; }

std::uint32_t number_of(const Value& v) { return static_cast<std::uint32_t>(v.resolved.value_or(v.literal)); }

std::string hex(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v % 16]);
    v /= 16;
  } while (v != 0);
  return "0x" + out;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// A procedure's method name: clear of keywords, of the classes' own members and of the codec
// functions the classes call unqualified.
std::string method_name(const Procedure& p) {
  static const std::set<std::string> kTaken = {"program",     "version", "client", "options",
                                               "register_on", "encode",  "decode", "name"};
  std::string name = cpp_identifier(lower(p.name));
  if (kTaken.contains(name) || name.starts_with("encode_") || name.starts_with("decode_") ||
      name.starts_with("reply_") || name.starts_with("args_")) {
    name += '_';
  }
  return name;
}

class RpcWriter {
 public:
  explicit RpcWriter(const CppModel& model) : model_(model) {}

  [[nodiscard]] std::string constants(const Specification& spec) const {
    // Count the numbers each name is given: a name with one number gets a constant.
    std::map<std::string, std::set<std::uint32_t>> numbers;
    std::set<std::string> programs;  // written in hex, as contracts write them
    std::vector<std::string> order;
    auto note = [&](const std::string& name, std::uint32_t n) {
      if (!numbers.contains(name)) order.push_back(name);
      numbers[name].insert(n);
    };
    for (const Definition& def : spec.definitions) {
      const auto* p = std::get_if<Program>(&def);
      if (p == nullptr) continue;
      note(p->name, number_of(p->number));
      programs.insert(p->name);
      for (const Version& v : p->versions) {
        note(v.name, number_of(v.number));
        for (const Procedure& proc : v.procedures) note(proc.name, number_of(proc.number));
      }
    }
    std::string out;
    for (const std::string& name : order) {
      const std::set<std::uint32_t>& n = numbers[name];
      if (n.size() != 1) {
        out += "// " + name + " has several numbers in this contract: no constant.\n";
        continue;
      }
      const std::uint32_t number = *n.begin();
      out += "inline constexpr std::uint32_t " + cpp_identifier(name) + " = " +
             (programs.contains(name) ? hex(number) : std::to_string(number)) + ";\n";
    }
    return out.empty() ? out : out + "\n";
  }

  [[nodiscard]] std::string client_class(const Program& p, const Version& v, const std::string& cls) const {
    const std::string vers_num = std::to_string(number_of(v.number));
    std::string out;
    out += "/// The client of program " + p.name + " (" + hex(number_of(p.number)) + ") version " + v.name + " (" +
           vers_num + ").\n";
    out += "/// Each procedure has an asynchronous method (`done` runs later, on the client's loop, with the\n";
    out += "/// decoded result or the error) and a blocking one (`_sync`: runs the loop until the reply). Calls\n";
    out += "/// use options() unless given their own. The Client must outlive this object.\n";
    out += "class " + cls + " {\n public:\n";
    out += "  static constexpr std::uint32_t program = " + hex(number_of(p.number)) + ";\n";
    out += "  static constexpr std::uint32_t version = " + vers_num + ";\n\n";
    out += "  explicit " + cls +
           "(::nelson::client::Client& rpc_client, const ::nelson::client::CallOptions& call_options = {}) noexcept\n";
    out += "      : client_(&rpc_client), options_(call_options) {}\n\n";
    out += "  [[nodiscard]] ::nelson::client::Client& client() const noexcept { return *client_; }\n";
    out += "  [[nodiscard]] ::nelson::client::CallOptions& options() noexcept { return options_; }\n";
    for (const Procedure& proc : v.procedures) out += client_methods(proc);
    out += "\n private:\n";
    out += "  ::nelson::client::Client* client_;\n";
    out += "  ::nelson::client::CallOptions options_;\n";
    out += "};\n\n";
    return out;
  }

  [[nodiscard]] std::string service_class(const Program& p, const Version& v, const std::string& cls) const {
    const std::string vers_num = std::to_string(number_of(v.number));
    std::string out;
    out += "/// The server side of program " + p.name + " (" + hex(number_of(p.number)) + ") version " + v.name + " (" +
           vers_num + ").\n";
    out += "/// Derive from it, override one handler per procedure, then register_on() a server::Server. A\n";
    out += "/// handler gets the decoded arguments and fills `result`; it returns Status::success (the result\n";
    out += "/// is sent), garbage_args or system_err, denied (after call.deny()), or deferred (after\n";
    out += "/// call.defer(); answer later with reply_<procedure>(handle, result)). The arguments are valid\n";
    out += "/// during the handler only: copy what a deferred answer needs (views into the call stay valid\n";
    out += "/// while its ReplyHandle lives). This object must outlive the server's use of it.\n";
    out += "class " + cls + " {\n public:\n";
    out += "  static constexpr std::uint32_t program = " + hex(number_of(p.number)) + ";\n";
    out += "  static constexpr std::uint32_t version = " + vers_num + ";\n\n";
    out += "  " + cls + "() = default;\n";
    out += "  " + cls + "(const " + cls + "&) = delete;\n";
    out += "  " + cls + "& operator=(const " + cls + "&) = delete;\n";
    out += "  virtual ~" + cls + "() = default;\n";
    for (const Procedure& proc : v.procedures) out += handler_declaration(proc);
    for (const Procedure& proc : v.procedures) out += deferred_reply(proc);
    out += "\n  /// Adds this version's procedures to `server` (replacing what it had under their numbers).\n";
    out += "  /// False when the server refused one (a procedure number above Registry::kMaxProcedure).\n";
    out += "  [[nodiscard]] bool register_on(::nelson::server::Server& server,\n";
    out += "                                 const ::nelson::server::ServiceOptions& service_options = {}) {\n";
    out += "    server.name_program(program, \"" + p.name + "\");\n";
    out += "    bool ok = true;\n";
    for (const Procedure& proc : v.procedures) out += registration(proc);
    out += "    return ok;\n  }\n";
    std::string slots;
    for (const Procedure& proc : v.procedures) {
      if (!needs_slot(proc)) continue;
      const std::string m = method_name(proc);
      slots += "  struct " + m + "_args {\n";
      for (std::size_t i = 0; i < proc.arguments.size(); ++i) {
        slots += "    " + type(proc.arguments[i]) + " arg" + std::to_string(i) + "{};\n";
      }
      slots += "  };\n";
      slots += "  ::nelson::server::ArgumentSlot<" + m + "_args> args_";
      slots += m + "_;\n";
    }
    if (!slots.empty()) out += "\n private:\n" + slots;
    out += "};\n\n";
    return out;
  }

 private:
  [[nodiscard]] static bool is_void(const TypeSpec& t) {
    return t.kind == TypeSpec::Kind::builtin && t.builtin == Builtin::void_;
  }

  [[nodiscard]] std::string type(const TypeSpec& t) const { return model_.item_type(t, true); }

  // Small values (numbers, bools, enums) are passed by value; the rest by const reference.
  [[nodiscard]] bool by_value(const TypeSpec& t) const {
    const TypeSpec& r = model_.resolve(t);
    if (r.kind == TypeSpec::Kind::builtin) return r.builtin != Builtin::quadruple && r.builtin != Builtin::string;
    return r.kind == TypeSpec::Kind::named && r.origin == TypeSpec::Origin::file &&
           model_.kind(r.name) == CppModel::Kind::enum_;
  }

  [[nodiscard]] std::string parameter_type(const TypeSpec& t) const {
    return by_value(t) ? type(t) : "const " + type(t) + "&";
  }

  [[nodiscard]] std::string parameter(const TypeSpec& t, std::size_t i) const {
    return parameter_type(t) + " arg" + std::to_string(i);
  }

  // "const a& arg0, std::int32_t arg1, " (with the trailing separator when not empty).
  [[nodiscard]] std::string parameters(const Procedure& proc) const {
    std::string out;
    for (std::size_t i = 0; i < proc.arguments.size(); ++i) out += parameter(proc.arguments[i], i) + ", ";
    return out;
  }

  [[nodiscard]] std::string argument_names(const Procedure& proc) const {
    std::string out;
    for (std::size_t i = 0; i < proc.arguments.size(); ++i) out += "arg" + std::to_string(i) + ", ";
    return out;
  }

  [[nodiscard]] std::string signature(const Procedure& proc) const {
    std::string args;
    for (const TypeSpec& a : proc.arguments) args += (args.empty() ? "" : ", ") + model_.item_type(a);
    return (is_void(proc.result) ? "void" : model_.item_type(proc.result)) + " " + proc.name + "(" +
           (args.empty() ? "void" : args) + ") = " + std::to_string(number_of(proc.number));
  }

  [[nodiscard]] std::string reply_type(const Procedure& proc) const {
    return "::nelson::client::Reply<" + (is_void(proc.result) ? std::string("void") : type(proc.result)) + ">";
  }

  // The ArgsWriter lambda of a call: encodes the arguments in order.
  [[nodiscard]] std::string args_writer(const Procedure& proc) const {
    std::string body;
    for (std::size_t i = 0; i < proc.arguments.size(); ++i) {
      // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) about "literal" + std::string here.
      body += ' ';
      body += encode_item(model_, proc.arguments[i], "e", "arg" + std::to_string(i));
      body += ';';
    }
    if (body.empty()) return "";
    return "    const auto args = [&](xdr::Encoder& e) {" + body + " };\n";
  }

  [[nodiscard]] std::string result_decoder(const Procedure& proc) const {
    return "+[](xdr::Decoder& d, " + type(proc.result) + "& v) { return " + decode_item(model_, proc.result, "d", "v") +
           "; }";
  }

  [[nodiscard]] std::string client_methods(const Procedure& proc) const {
    const std::string m = method_name(proc);
    const std::string params = parameters(proc);
    const std::string names = argument_names(proc);
    const std::string reply = reply_type(proc);
    const std::string callback =
        "::nelson::client::ReplyCallback<" + (is_void(proc.result) ? std::string("void") : type(proc.result)) + ">";
    const std::string writer = args_writer(proc);
    const std::string args = writer.empty() ? "{}" : "args";
    const std::string proc_num = std::to_string(number_of(proc.number));
    const std::string decoder = is_void(proc.result) ? "" : ", " + result_decoder(proc);
    const std::string typed = is_void(proc.result) ? "" : "<" + type(proc.result) + ">";
    std::string out = "\n  /// " + signature(proc) + ";\n";
    out += "  std::uint32_t " + m + "(" + params + callback + " done) {\n";
    out += "    return " + m + "(" + names + "options_, std::move(done));\n  }\n";
    out += "  std::uint32_t " + m + "(" + params + "const ::nelson::client::CallOptions& call_options, " + callback +
           " done) {\n";
    out += writer;
    out += "    return client_->call(program, version, " + proc_num + ", " + args + ", call_options,\n";
    out += "                         ::nelson::client::typed_callback" + typed + "(std::move(done)" + decoder + "));\n";
    out += "  }\n";
    const std::string sync_params = params.empty() ? "" : params.substr(0, params.size() - 2);
    out += "  " + reply + " " + m + "_sync(" + sync_params + ") { return " + m + "_sync(" + names + "options_); }\n";
    out += "  " + reply + " " + m + "_sync(" + params + "const ::nelson::client::CallOptions& call_options) {\n";
    out += writer;
    out += "    return ::nelson::client::typed_call_sync" + typed + "(*client_, program, version, " + proc_num + ", " +
           args + ", call_options" + decoder + ");\n";
    out += "  }\n";
    return out;
  }

  [[nodiscard]] std::string handler_declaration(const Procedure& proc) const {
    std::string out = "\n  /// " + signature(proc) + ";\n";
    out +=
        "  virtual " + status_type() + " " + method_name(proc) + "(::nelson::server::Call& call, " + parameters(proc);
    if (is_void(proc.result)) {
      out.resize(out.size() - 2);  // the ", " after the last parameter
    } else {
      out += type(proc.result) + "& result";
    }
    return out + ") = 0;\n";
  }

  [[nodiscard]] std::string deferred_reply(const Procedure& proc) const {
    const std::string m = method_name(proc);
    std::string out = "\n  /// Answers a deferred " + proc.name + ".\n";
    if (is_void(proc.result)) {
      out += "  static bool reply_" + m + "(::nelson::server::ReplyHandle& handle) { return handle.reply({}); }\n";
      return out;
    }
    out += "  static bool reply_" + m + "(::nelson::server::ReplyHandle& handle, " + parameter_type(proc.result) +
           " result) {\n";
    out += "    return handle.reply([&](xdr::Encoder& e) { " + encode_item(model_, proc.result, "e", "result") +
           "; });\n  }\n";
    return out;
  }

  // Arguments that own storage are decoded into a kept slot (no allocation per call once warm);
  // numbers and enums into locals.
  [[nodiscard]] bool needs_slot(const Procedure& proc) const {
    for (const TypeSpec& a : proc.arguments) {
      if (!by_value(a)) return true;
    }
    return false;
  }

  // The body of the handler given to the server: decode, call, encode. `a` names the arguments.
  [[nodiscard]] std::string dispatch_body(const Procedure& proc, const std::string& a, const std::string& in) const {
    std::string decode;
    for (std::size_t i = 0; i < proc.arguments.size(); ++i) {
      decode += '!';
      decode += decode_item(model_, proc.arguments[i], "call.args()", a + "arg" + std::to_string(i));
      decode += " || ";
    }
    std::string out = in + "if (" + decode + "!call.args().expect_end()) return " + status_type() + "::garbage_args;\n";
    std::string call_args;
    for (std::size_t i = 0; i < proc.arguments.size(); ++i) call_args += ", " + a + "arg" + std::to_string(i);
    const std::string m = method_name(proc);
    if (is_void(proc.result)) return out + in + "return " + m + "(call" + call_args + ");\n";
    out += in + type(proc.result) + " result{};\n";
    out += in + "const " + status_type() + " status = " + m + "(call" + call_args + ", result);\n";
    out += in + "if (status == " + status_type() + "::success && !call.replied()) {\n";
    out += in + "  call.reply([&](xdr::Encoder& e) { " + encode_item(model_, proc.result, "e", "result") + "; });\n";
    out += in + "}\n";
    return out + in + "return status;\n";
  }

  [[nodiscard]] std::string registration(const Procedure& proc) const {
    const std::string m = method_name(proc);
    const std::string n = std::to_string(number_of(proc.number));
    std::string out = "    ok = server.add_procedure(program, version, " + n + ", {\"" + proc.name +
                      "\", service_options.semantics(" + n + ")},\n";
    out += "                              [this](::nelson::server::Call& call) {\n";
    if (needs_slot(proc)) {
      out += "                                return args_" + m + "_.with([&](" + m + "_args& a) {\n";
      out += dispatch_body(proc, "a.", "                                  ");
      out += "                                });\n";
    } else {
      for (std::size_t i = 0; i < proc.arguments.size(); ++i) {
        out += "                                " + type(proc.arguments[i]) + " arg" + std::to_string(i) + "{};\n";
      }
      out += dispatch_body(proc, "", "                                ");
    }
    out += "                              }) &&\n         ok;\n";
    return out;
  }

  const CppModel& model_;
};

// Class names: the version's name, or program_version when two programs share a version name.
std::string class_stem(const Program& p, const Version& v, const std::map<std::string, int>& version_names) {
  const auto it = version_names.find(v.name);
  return it != version_names.end() && it->second > 1 ? cpp_identifier(p.name + "_" + v.name) : cpp_identifier(v.name);
}

}  // namespace

bool has_programs(const Specification& spec) {
  for (const Definition& def : spec.definitions) {
    if (std::holds_alternative<Program>(def)) return true;
  }
  return false;
}

std::string emit_rpc(const Specification& spec, const CppModel& model, const EmitOptions& options) {
  const RpcWriter writer(model);
  std::map<std::string, int> version_names;
  for (const Definition& def : spec.definitions) {
    if (const auto* p = std::get_if<Program>(&def)) {
      for (const Version& v : p->versions) ++version_names[v.name];
    }
  }
  std::string out = writer.constants(spec);
  for (const Definition& def : spec.definitions) {
    const auto* p = std::get_if<Program>(&def);
    if (p == nullptr) continue;
    for (const Version& v : p->versions) {
      const std::string stem = class_stem(*p, v, version_names);
      if (options.client) out += writer.client_class(*p, v, stem + "_client");
      if (options.server) out += writer.service_class(*p, v, stem + "_service");
    }
  }
  return out;
}

}  // namespace nelson::gen
