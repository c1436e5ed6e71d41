// gen::preprocess — runs the C preprocessor over a contract, as rpcgen does.
//
// rpcgen runs `cpp -C -DRPC_HDR file.x` (-C keeps comments, so line numbers and `%` lines
// survive) once per output file, with RPC_HDR, RPC_XDR, RPC_CLNT, RPC_SVC or RPC_TBL defined.
// nelson-gen writes one C++ header holding what all of those hold, and real files guard
// their `%` lines of C declarations with RPC_HDR, so it defines RPC_HDR — plus NELSON_GEN,
// so a contract can tell it apart from rpcgen. The output keeps cpp's line markers, which
// the lexer reads to point diagnostics at the original files.
//
//   auto r = preprocess({.input = "nfs_prot.x", .defines = {"NFS3"}, .include_dirs = {"."}});
//   if (!r.ok()) { fputs(r.errors.c_str(), stderr); ... }
#pragma once

#include <string>
#include <vector>

namespace nelson::gen {

struct PreprocessOptions {
  std::string input{};                      // the .x file
  std::vector<std::string> defines{};       // NAME or NAME=VALUE, passed as -D
  std::vector<std::string> include_dirs{};  // passed as -I
  std::string cpp = "cpp";                  // the program, looked up in PATH when it has no '/'
};

struct PreprocessResult {
  std::string output;   // the preprocessed text with its line markers
  std::string errors;   // what cpp wrote to stderr (warnings too), or why it could not run
  int exit_status = 0;  // cpp's; -1 when it could not be started or was killed

  [[nodiscard]] bool ok() const noexcept { return exit_status == 0; }
};

/// The arguments cpp is run with (after argv[0]), for tests and --verbose.
[[nodiscard]] std::vector<std::string> cpp_arguments(const PreprocessOptions& options);

[[nodiscard]] PreprocessResult preprocess(const PreprocessOptions& options);

}  // namespace nelson::gen
