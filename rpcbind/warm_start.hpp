// rpcbind warm start — the registrations kept across a restart (rpcbind -w does the same), so
// that services registered before a restart or upgrade of the portmapper stay reachable.
//
//   if (auto saved = rpcbind::save_warm_start(table, "/run/rpcbind/nelson.xdr"); !saved) log(saved.error().message);
//   auto loaded = rpcbind::load_warm_start("/run/rpcbind/nelson.xdr", limits);   // at start
//   if (!loaded) log(loaded.error().message);   // corrupt: start empty, and say why
//   else for (const auto& e : loaded->entries) (void)table.set(e);
//
// The file is XDR, the protocol's own encoding of a DUMP reply, framed:
//
//   offset  size  field
//   0       8     magic "NRPCBWS1" (nelson rpcbind warm start, format 1)
//   8       4     payload length N (unsigned int)
//   12      N     payload: rpcblist_ptr (RFC 1833), the registrations in DUMP order
//   12+N    8     FNV-1a 64 of the payload (unsigned hyper)
//
// XDR because the codec and its bounds exist already (the generated rpcblist_ptr decoder, with
// every string bounded and the list length capped at max_entries), and because `rpcinfo`-style
// tools could read the payload. It is written atomically: a temporary file beside it, fsync,
// rename over the old one, fsync of the directory, so a crash leaves the old file or the new
// one, never half of one. It is read strictly: a missing file is an empty table; a file larger
// than the limits allow, with another magic, truncated anywhere, with a bad checksum, trailing
// bytes, or an entry the table would refuse (Table::validate) or twice, is rejected whole, with
// the reason and the byte offset.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "rpcbind/limits.hpp"
#include "rpcbind/table.hpp"

namespace nelson::rpcbind {

/// The largest file `limits` allow: the header, max_entries registrations of the longest
/// strings, and the checksum.
[[nodiscard]] std::size_t max_warm_start_size(const TableLimits& limits) noexcept;

/// The file's bytes for the registrations of `table`.
[[nodiscard]] std::vector<std::byte> encode_warm_start(const Table& table);

struct WarmStart {
  std::vector<Entry> entries;  // in DUMP order
  bool found = false;          // false: there was no file (not an error)
};

/// Parses a file's bytes (see above). The error's message names the first problem and where.
[[nodiscard]] core::Result<WarmStart> decode_warm_start(std::span<const std::byte> bytes, const TableLimits& limits);

/// Writes `table` to `path` atomically (through `path`.tmp), mode 0600.
[[nodiscard]] core::Result<bool> save_warm_start(const Table& table, const std::string& path);
/// Reads `path`; found = false when it does not exist. Reads at most max_warm_start_size() + 1
/// bytes: a larger file is refused without being read.
[[nodiscard]] core::Result<WarmStart> load_warm_start(const std::string& path, const TableLimits& limits);

}  // namespace nelson::rpcbind
