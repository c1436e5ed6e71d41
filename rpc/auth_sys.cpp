// AUTH_SYS credentials. See auth_sys.hpp.
#include "rpc/auth_sys.hpp"

namespace nelson::rpc {

bool decode_auth_sys(xdr::Decoder& d, AuthSys& out) noexcept {
  std::uint32_t count = 0;
  if (!d.get_uint(out.stamp) || !d.view_string(out.machine_name, kMaxMachineName) || !d.get_uint(out.uid) ||
      !d.get_uint(out.gid) || !d.get_count(count, kMaxGids, 4)) {
    return false;
  }
  // get_count checked count <= 16 and that 4 * count bytes remain.
  if (!d.get_fixed_array(std::span<std::uint32_t>(out.gids.data(), count))) return false;
  out.gid_count = count;
  return true;
}

AuthStat parse_auth_sys(std::span<const std::byte> body, AuthSys& out, xdr::Error* error) noexcept {
  xdr::Decoder d(body);
  const bool ok = decode_auth_sys(d, out) && d.expect_end();
  if (error != nullptr) *error = d.error();
  return ok ? AuthStat::auth_ok : AuthStat::auth_badcred;
}

void encode_auth_sys(xdr::Encoder& e, const AuthSys& in) noexcept {
  e.put_uint(in.stamp);
  e.put_string(in.machine_name, kMaxMachineName);
  e.put_uint(in.uid);
  e.put_uint(in.gid);
  if (in.gid_count > kMaxGids) [[unlikely]] {
    // The Encoder reports an over-long array only through put_array, which checks the count
    // before it reads an item; a span of 17 over a 16-element array would itself be invalid,
    // so hand it 17 real (never read) items instead.
    static constexpr std::array<std::uint32_t, kMaxGids + 1> kTooMany{};
    e.put_array(std::span<const std::uint32_t>(kTooMany), kMaxGids);
    return;
  }
  e.put_array(std::span<const std::uint32_t>(in.gids.data(), in.gid_count), kMaxGids);
}

}  // namespace nelson::rpc
