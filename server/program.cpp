#include "server/program.hpp"

#include <algorithm>
#include <utility>

namespace nelson::server {

ProgramEntry& Registry::program(std::uint32_t prog) {
  for (ProgramEntry& p : programs_) {
    if (p.prog == prog) return p;
  }
  ProgramEntry& p = programs_.emplace_back();
  p.prog = prog;
  return p;
}

bool Registry::add(std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ProcedureSpec spec, Handler handler) {
  if (proc > kMaxProcedure || !handler) return false;
  ProgramEntry& p = program(prog);
  auto it = std::find_if(p.versions.begin(), p.versions.end(), [&](const VersionTable& v) { return v.vers >= vers; });
  if (it == p.versions.end() || it->vers != vers) {
    it = p.versions.insert(it, VersionTable{});
    it->vers = vers;
  }
  if (it->procedures.size() <= proc) it->procedures.resize(proc + 1);
  it->procedures[proc] = Procedure{std::move(handler), std::move(spec), {}};
  p.low = p.versions.front().vers;
  p.high = p.versions.back().vers;
  return true;
}

void Registry::name_program(std::uint32_t prog, std::string name) { program(prog).name = std::move(name); }

}  // namespace nelson::server
