// nelson-gen — the .x (RPCL) compiler. It reads a contract as rpcgen would (through cpp),
// reports mistakes like a compiler, and writes C++ types, XDR codecs, and for each program
// version a client stub and a server skeleton (gen/emit.hpp).
//
//   nelson-gen --header mount.hpp mount.x         # types and inline codecs in one header
//   nelson-gen --header nfs.hpp --source nfs.cpp --namespace nfs::v2 nfs_prot.x
//   nelson-gen --check nfs_prot.x                 # diagnostics only; exit 1 on errors
//   nelson-gen --dump-ast -DDEBUG -I. calc.x      # the checked tree, one node per line
//   nelson-gen --check --no-cpp plain.x           # read the file as it is
//   nelson-gen --header nfs.hpp --views nfs_prot.x             # opaque<>/string<> as views
//   nelson-gen --header nfs.hpp --view readres --view entry nfs_prot.x   # only in these types
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <string_view>

#include "gen/ast_dump.hpp"
#include "gen/emit.hpp"
#include "gen/frontend.hpp"

namespace {

constexpr const char* kUsage =
    "usage: nelson-gen (--check | --dump-ast | --header OUT.hpp [--source OUT.cpp]) [options] FILE.x\n"
    "  --check          parse and check FILE.x, print diagnostics\n"
    "  --dump-ast       also print the checked syntax tree on stdout\n"
    "  --header OUT     write the C++ types and codecs (inline unless --source) to OUT\n"
    "  --source OUT     write the codec bodies to OUT (it #includes the header by file name)\n"
    "  --namespace NS   the C++ namespace (default: the file name, `nfs_prot.x` -> nfs_prot)\n"
    "  --max-chain N    default limit of linked-list nodes that decode accepts (default 1048576)\n"
    "  --max-depth N    limit of nesting through owning pointers that decode accepts (default 1000)\n"
    "  --include H      #include \"H\" in the header: the C++ types and codecs of types the contract\n"
    "                   uses but does not define (those a `%#include` gives rpcgen's C)\n"
    "  --no-client      no client stub classes for the programs (they need nelson::client)\n"
    "  --no-server      no server skeleton classes for the programs (they need nelson::server)\n"
    "  --views          every variable-length opaque<> and string<> is a view into the decoded\n"
    "                   bytes (std::span<const std::byte>, std::string_view): no copy on decode\n"
    "  --view NAME      the same for the opaque<>/string<> declared in the typedef, struct or\n"
    "                   union NAME only (repeatable)\n"
    "  -D NAME[=VALUE]  define a macro for the C preprocessor (RPC_HDR and NELSON_GEN are defined)\n"
    "  -I DIR           add DIR to the preprocessor's include path\n"
    "  --no-cpp         read FILE.x as it is, without the C preprocessor\n"
    "  --cpp PROGRAM    the preprocessor to run (default: cpp, as `cpp -C`)\n";

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return true;
  std::fprintf(stderr, "nelson-gen: cannot write %s\n", path.c_str());
  return false;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "nelson-gen: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  nelson::gen::FrontendOptions options;
  enum class Mode { none, check, dump, generate } mode = Mode::none;
  std::string header;
  std::string source;
  nelson::gen::EmitOptions emit;
  const std::span<char*> args(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0));
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    // -DNAME and -D NAME, -IDIR and -I DIR, as compilers take them.
    auto value_of = [&](std::string_view flag, std::string& out) {
      if (!arg.starts_with(flag)) return false;
      if (arg.size() > flag.size()) {
        out = std::string(arg.substr(flag.size()));
      } else if (i + 1 < args.size()) {
        out = args[++i];
      } else {
        out.clear();
      }
      return true;
    };
    std::string value;
    if (arg == "--check") {
      mode = Mode::check;
    } else if (arg == "--dump-ast") {
      mode = Mode::dump;
    } else if (arg == "--header" || arg == "--source" || arg == "--namespace" || arg == "--max-chain" ||
               arg == "--max-depth") {
      if (i + 1 >= args.size()) return usage_error(std::string(arg) + " needs a value");
      const std::string v = args[++i];
      if (arg == "--header") {
        header = v;
        mode = Mode::generate;
      } else if (arg == "--source") {
        source = v;
      } else if (arg == "--namespace") {
        emit.namespace_name = v;
      } else if (arg == "--max-depth") {
        char* end = nullptr;
        const unsigned long long depth = std::strtoull(v.c_str(), &end, 10);
        if (end == v.c_str() || *end != '\0' || depth == 0 || depth > 0xffffffffULL)
          return usage_error("--max-depth needs a positive number");
        emit.max_depth = static_cast<std::uint32_t>(depth);
      } else {
        char* end = nullptr;
        emit.max_chain = std::strtoull(v.c_str(), &end, 10);
        if (end == v.c_str() || *end != '\0' || emit.max_chain == 0)
          return usage_error("--max-chain needs a positive number");
      }
    } else if (arg == "--no-client") {
      emit.client = false;
    } else if (arg == "--no-server") {
      emit.server = false;
    } else if (arg == "--views") {
      emit.views = true;
    } else if (arg == "--include") {
      if (i + 1 >= args.size()) return usage_error("--include needs a header");
      emit.includes.emplace_back(args[++i]);
    } else if (arg == "--view") {
      if (i + 1 >= args.size()) return usage_error("--view needs a type name");
      emit.view_types.emplace_back(args[++i]);
    } else if (arg == "--no-cpp") {
      options.use_cpp = false;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--cpp") {
      if (i + 1 >= args.size()) return usage_error("--cpp needs a program");
      options.cpp = args[++i];
    } else if (value_of("-D", value)) {
      if (value.empty()) return usage_error("-D needs a name");
      options.defines.push_back(value);
    } else if (value_of("-I", value)) {
      if (value.empty()) return usage_error("-I needs a directory");
      options.include_dirs.push_back(value);
    } else if (arg.starts_with('-') && arg.size() > 1) {
      return usage_error(std::string("unknown option ").append(arg));
    } else if (!options.file.empty()) {
      return usage_error("one input file at a time");
    } else {
      options.file = std::string(arg);
    }
  }
  if (mode == Mode::none) return usage_error("say --check, --dump-ast or --header");
  if (!source.empty() && header.empty()) return usage_error("--source needs --header");
  if (options.file.empty()) return usage_error("no input file");

  nelson::gen::Contract contract = nelson::gen::read_contract(options);
  std::fputs(contract.cpp_messages.c_str(), stderr);
  std::fputs(nelson::gen::format(contract.diagnostics, contract.sources).c_str(), stderr);
  if (!contract.ok()) return 1;
  for (const std::string& name : nelson::gen::unknown_view_types(contract.specification, emit)) {
    std::fprintf(stderr, "nelson-gen: --view %s: no typedef, struct or union of that name in %s\n", name.c_str(),
                 options.file.c_str());
    return 1;
  }
  if (mode == Mode::dump) std::fputs(nelson::gen::dump(contract.specification).c_str(), stdout);
  if (mode == Mode::generate) {
    emit.contract = options.file;
    emit.split = !source.empty();
    const std::size_t slash = header.find_last_of('/');
    emit.header_include = slash == std::string::npos ? header : header.substr(slash + 1);
    if (!write_file(header, nelson::gen::emit_header(contract.specification, emit))) return 1;
    if (emit.split && !write_file(source, nelson::gen::emit_source(contract.specification, emit))) return 1;
  }
  return 0;
}
