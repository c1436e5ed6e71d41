// server::Registry — the dispatch table: programs, their versions, their procedures.
//
// Lookup on the hot path is a scan of a short flat vector of programs (a server exports a
// handful), then of that program's versions, then an index into the version's procedure
// vector: no map, no hashing, no allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/call.hpp"
#include "server/stats.hpp"

namespace nelson::server {

using Handler = std::function<Status(Call&)>;

/// How a procedure may be retried. Non-idempotent procedures go through the duplicate-request
/// cache, so a retransmitted call runs at most once.
enum class Semantics : std::uint8_t { idempotent, at_most_once };

struct ProcedureSpec {
  std::string name;
  Semantics semantics = Semantics::idempotent;
};

struct Procedure {
  Handler handler;  // empty: the slot is not a procedure (PROC_UNAVAIL)
  ProcedureSpec spec;
  ProcedureStats stats;
};

struct VersionTable {
  std::uint32_t vers = 0;
  std::vector<Procedure> procedures;  // indexed by procedure number
};

struct ProgramEntry {
  std::uint32_t prog = 0;
  std::string name;
  std::vector<VersionTable> versions;  // sorted by vers
  std::uint32_t low = 0;               // lowest and highest version, for PROG_MISMATCH
  std::uint32_t high = 0;
};

/// Where a call goes, or why it goes nowhere.
struct Route {
  enum class Kind : std::uint8_t { found, prog_unavail, prog_mismatch, proc_unavail } kind = Kind::prog_unavail;
  Procedure* procedure = nullptr;         // when found
  const ProgramEntry* program = nullptr;  // when found, prog_mismatch or proc_unavail
};

class Registry {
 public:
  /// Largest procedure number accepted at registration: the per-version table is indexed by it.
  static constexpr std::uint32_t kMaxProcedure = 4096;

  /// Adds or replaces a procedure. False for a procedure number above kMaxProcedure or an
  /// empty handler.
  bool add(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ProcedureSpec spec, Handler handler);
  /// Names a program for stats and logs.
  void name_program(std::uint32_t prog, std::string name);

  [[nodiscard]] Route route(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc) noexcept {
    for (ProgramEntry& p : programs_) {
      if (p.prog != prog || p.versions.empty()) continue;
      for (VersionTable& v : p.versions) {
        if (v.vers != vers) continue;
        if (proc < v.procedures.size() && v.procedures[proc].handler) {
          return {Route::Kind::found, &v.procedures[proc], &p};
        }
        return {Route::Kind::proc_unavail, nullptr, &p};
      }
      return {Route::Kind::prog_mismatch, nullptr, &p};
    }
    return {};
  }

  [[nodiscard]] const std::vector<ProgramEntry>& programs() const noexcept { return programs_; }

 private:
  ProgramEntry& program(std::uint32_t prog);
  std::vector<ProgramEntry> programs_;
};

}  // namespace nelson::server
