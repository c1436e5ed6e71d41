// The RPC v2 call and reply headers: exact bytes of every message against the RFC 5531 layout
// (written out by hand below), round trips, and every way a header can be wrong.
#include "rpc/message.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <string_view>
#include <vector>

#include "tests/rpc/rpc_test_bytes.hpp"
#include "tests/xdr/test_bytes.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

namespace nelson::rpc {
namespace {

using Bytes = std::vector<std::byte>;
using test::from_hex;
using xdr::test::hex;

static_assert(static_cast<int>(MsgType::call) == 0 && static_cast<int>(MsgType::reply) == 1);
static_assert(static_cast<int>(ReplyStat::msg_accepted) == 0 && static_cast<int>(ReplyStat::msg_denied) == 1);
static_assert(static_cast<int>(AcceptStat::success) == 0 && static_cast<int>(AcceptStat::prog_unavail) == 1 &&
              static_cast<int>(AcceptStat::prog_mismatch) == 2 && static_cast<int>(AcceptStat::proc_unavail) == 3 &&
              static_cast<int>(AcceptStat::garbage_args) == 4 && static_cast<int>(AcceptStat::system_err) == 5);
static_assert(static_cast<int>(RejectStat::rpc_mismatch) == 0 && static_cast<int>(RejectStat::auth_error) == 1);
static_assert(static_cast<int>(AuthStat::auth_ok) == 0 && static_cast<int>(AuthStat::auth_badcred) == 1 &&
              static_cast<int>(AuthStat::auth_rejectedcred) == 2 && static_cast<int>(AuthStat::auth_badverf) == 3 &&
              static_cast<int>(AuthStat::auth_rejectedverf) == 4 && static_cast<int>(AuthStat::auth_tooweak) == 5 &&
              static_cast<int>(AuthStat::auth_invalidresp) == 6 && static_cast<int>(AuthStat::auth_failed) == 7 &&
              static_cast<int>(AuthStat::rpcsec_gss_credproblem) == 13 &&
              static_cast<int>(AuthStat::rpcsec_gss_ctxproblem) == 14);
static_assert(static_cast<unsigned>(AuthFlavor::auth_none) == 0 && static_cast<unsigned>(AuthFlavor::auth_sys) == 1 &&
              static_cast<unsigned>(AuthFlavor::auth_short) == 2 && static_cast<unsigned>(AuthFlavor::auth_dh) == 3 &&
              static_cast<unsigned>(AuthFlavor::rpcsec_gss) == 6 && static_cast<unsigned>(AuthFlavor::auth_tls) == 7);
static_assert(kRpcVersion == 2 && kMaxAuthBytes == 400);

constexpr std::uint32_t kXid = 0x12345678;

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Runs `encode` into a roomy buffer and returns what it wrote (empty if the encoder failed).
template <class F>
Bytes encoded(F&& encode) {
  std::array<std::byte, 2048> buf{};
  xdr::Encoder e(buf);
  encode(e);
  EXPECT_TRUE(e.ok()) << e.error().message();
  const auto w = e.written();
  return Bytes(w.begin(), w.end());
}

// --- calls ----------------------------------------------------------------------------------

// xid 1, CALL, rpcvers 2, NFS (100003) v3 NULL, AUTH_NONE credential and verifier.
const Bytes kNullCall = from_hex(
    "00000001 00000000 00000002 000186a3 00000003 00000000"
    "00000000 00000000"
    "00000000 00000000");

TEST(EncodeCall, ExactBytesOfANullCall) {
  EXPECT_EQ(hex(encoded([](xdr::Encoder& e) { encode_call(e, 1, 100003, 3, 0, kNullAuth, kNullAuth); })),
            hex(kNullCall));
}

TEST(EncodeCall, AuthBodiesArePaddedToFourBytes) {
  const OpaqueAuth cred{AuthFlavor::auth_sys, as_bytes("abcde")};
  const OpaqueAuth verf{AuthFlavor::auth_tls, as_bytes("xyz")};
  EXPECT_EQ(hex(encoded([&](xdr::Encoder& e) { encode_call(e, 7, 1, 2, 3, cred, verf); })),
            hex(from_hex("00000007 00000000 00000002 00000001 00000002 00000003"
                         "00000001 00000005 6162636465000000"
                         "00000007 00000003 78797a00")));
}

TEST(EncodeCall, AuthBodyOver400BytesFailsTheEncoder) {
  const std::vector<std::byte> big(401);
  std::array<std::byte, 1024> buf{};
  xdr::Encoder e(buf);
  encode_call(e, 1, 2, 3, 4, OpaqueAuth{AuthFlavor::auth_sys, big}, kNullAuth);
  EXPECT_EQ(e.error().code, xdr::Errc::length_exceeds_max);
}

TEST(DecodeCall, ReadsEveryFieldAndStopsAtTheArguments) {
  const OpaqueAuth cred{AuthFlavor::auth_sys, as_bytes("abcde")};
  const OpaqueAuth verf{AuthFlavor::rpcsec_gss, as_bytes("verifier")};
  const Bytes msg = encoded([&](xdr::Encoder& e) {
    encode_call(e, 0xdeadbeef, 100005, 3, 17, cred, verf);
    e.put_uint(0xa1a2a3a4);  // the arguments
  });
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  ASSERT_TRUE(r.ok()) << r.error.message();
  EXPECT_TRUE(r.has_xid);
  EXPECT_EQ(r.xid, 0xdeadbeefU);
  EXPECT_EQ(h.xid, 0xdeadbeefU);
  EXPECT_EQ(h.prog, 100005U);
  EXPECT_EQ(h.vers, 3U);
  EXPECT_EQ(h.proc, 17U);
  EXPECT_EQ(h.cred.flavor, AuthFlavor::auth_sys);
  EXPECT_EQ(hex(h.cred.body), hex(cred.body));
  EXPECT_EQ(h.verf.flavor, AuthFlavor::rpcsec_gss);
  EXPECT_EQ(hex(h.verf.body), hex(verf.body));
  // Zero-copy: the bodies point into the message.
  EXPECT_EQ(h.cred.body.data(), msg.data() + 32);
  EXPECT_EQ(h.verf.body.data(), msg.data() + 48);
  // Positioned at the arguments.
  std::uint32_t arg = 0;
  ASSERT_TRUE(d.get_uint(arg));
  EXPECT_EQ(arg, 0xa1a2a3a4U);
  EXPECT_TRUE(d.expect_end());
}

TEST(DecodeCall, UnknownFlavorsAndEmptyBodiesAreFine) {
  const Bytes msg = encoded([](xdr::Encoder& e) {
    encode_call(e, 5, 1, 1, 1, OpaqueAuth{static_cast<AuthFlavor>(390003), {}}, kNullAuth);
  });
  xdr::Decoder d(msg);
  CallHeader h;
  ASSERT_TRUE(decode_call(d, h).ok());
  EXPECT_EQ(static_cast<std::uint32_t>(h.cred.flavor), 390003U);
  EXPECT_TRUE(h.cred.body.empty());
  EXPECT_EQ(d.remaining(), 0U);
}

TEST(DecodeCall, RpcVersion3IsRpcMismatchCarryingTheXid) {
  Bytes msg = kNullCall;
  msg[11] = std::byte{3};
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::rpc_mismatch);
  EXPECT_TRUE(r.has_xid);
  EXPECT_EQ(r.xid, 1U);
  EXPECT_TRUE(r.needs_reply());
  EXPECT_EQ(hex(encoded([&](xdr::Encoder& e) { EXPECT_TRUE(encode_error_reply(e, r)); })),
            hex(from_hex("00000001 00000001 00000001 00000000 00000002 00000002")));
}

TEST(DecodeCall, OtherRpcVersionsStopRightAfterRpcvers) {
  // Only xid, CALL and rpcvers: what follows belongs to an unknown version and is not read.
  for (std::uint32_t vers : {0U, 1U, 3U, 0xffffffffU}) {
    const Bytes msg = encoded([&](xdr::Encoder& e) {
      e.put_uint(99);
      e.put_uint(0);
      e.put_uint(vers);
    });
    xdr::Decoder d(msg);
    CallHeader h;
    const CallResult r = decode_call(d, h);
    EXPECT_EQ(r.status, CallStatus::rpc_mismatch) << vers;
    EXPECT_EQ(r.xid, 99U);
  }
}

TEST(DecodeCall, ReplySentAsACallIsNotACall) {
  const Bytes msg = encoded([](xdr::Encoder& e) { encode_success_reply(e, kXid, kNullAuth); });
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::not_a_call);
  EXPECT_EQ(r.xid, kXid);
  EXPECT_FALSE(r.needs_reply());
  std::array<std::byte, 64> buf{};
  xdr::Encoder e(buf);
  EXPECT_FALSE(encode_error_reply(e, r));
  EXPECT_EQ(e.size(), 0U);
}

TEST(DecodeCall, UnknownMessageTypeIsGarbage) {
  Bytes msg = kNullCall;
  msg[7] = std::byte{2};
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::garbage);
  EXPECT_EQ(r.error.code, xdr::Errc::bad_discriminant);
  EXPECT_FALSE(r.needs_reply());
}

// A call whose credential (or verifier) claims `len` bytes and has them.
Bytes call_with_auth_len(std::size_t cred_len, std::size_t verf_len) {
  Bytes msg = from_hex("0000002a 00000000 00000002 00000064 00000001 00000000");
  auto put_auth = [&](std::size_t len) {
    const Bytes head = from_hex("00000001");
    msg.insert(msg.end(), head.begin(), head.end());
    for (int shift = 24; shift >= 0; shift -= 8) msg.push_back(static_cast<std::byte>((len >> shift) & 0xff));
    msg.resize(msg.size() + (len + 3) / 4 * 4, std::byte{0x41});
  };
  put_auth(cred_len);
  put_auth(verf_len);
  return msg;
}

TEST(DecodeCall, CredentialOf400BytesIsFine401IsBadCred) {
  {
    const Bytes msg = call_with_auth_len(400, 0);
    xdr::Decoder d(msg);
    CallHeader h;
    ASSERT_TRUE(decode_call(d, h).ok());
    EXPECT_EQ(h.cred.body.size(), 400U);
  }
  const Bytes msg = call_with_auth_len(401, 0);
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::bad_cred);
  EXPECT_EQ(r.xid, 42U);
  EXPECT_EQ(r.error.code, xdr::Errc::length_exceeds_max);
  EXPECT_EQ(r.error.offset, 28U);
  EXPECT_EQ(hex(encoded([&](xdr::Encoder& e) { EXPECT_TRUE(encode_error_reply(e, r)); })),
            hex(from_hex("0000002a 00000001 00000001 00000001 00000001")));
}

TEST(DecodeCall, VerifierOf401BytesIsBadVerf) {
  const Bytes msg = call_with_auth_len(8, 401);
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::bad_verf);
  EXPECT_EQ(r.xid, 42U);
  EXPECT_EQ(hex(encoded([&](xdr::Encoder& e) { EXPECT_TRUE(encode_error_reply(e, r)); })),
            hex(from_hex("0000002a 00000001 00000001 00000001 00000003")));
}

TEST(DecodeCall, HugeCredentialLengthIsBadCredNotAnAllocation) {
  Bytes msg = call_with_auth_len(0, 0);
  msg[28] = msg[29] = msg[30] = msg[31] = std::byte{0xff};
  xdr::Decoder d(msg);
  CallHeader h;
  EXPECT_EQ(decode_call(d, h).status, CallStatus::bad_cred);
}

TEST(DecodeCall, CredentialLongerThanTheMessageIsGarbage) {
  Bytes msg = call_with_auth_len(0, 0);
  msg[31] = std::byte{100};  // claims 100 bytes; 8 remain
  xdr::Decoder d(msg);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  EXPECT_EQ(r.status, CallStatus::garbage);
  EXPECT_EQ(r.error.code, xdr::Errc::length_exceeds_input);
}

TEST(DecodeCall, TruncatedAtEveryOffsetIsGarbageNeverACrash) {
  const Bytes msg = encoded([](xdr::Encoder& e) {
    encode_call(e, 77, 100003, 3, 1, OpaqueAuth{AuthFlavor::auth_sys, as_bytes("abcde")},
                OpaqueAuth{AuthFlavor::auth_none, as_bytes("12345678")});
  });
  for (std::size_t n = 0; n < msg.size(); ++n) {
    // A copy of exactly n bytes, so that the sanitizer sees any read past the end.
    const Bytes cut(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
    xdr::Decoder d(cut);
    CallHeader h;
    const CallResult r = decode_call(d, h);
    EXPECT_EQ(r.status, CallStatus::garbage) << "n=" << n;
    EXPECT_TRUE(r.error) << "n=" << n;
    EXPECT_EQ(r.has_xid, n >= 4) << "n=" << n;
    if (n >= 4) {
      EXPECT_EQ(r.xid, 77U);
    }
    EXPECT_FALSE(r.needs_reply());
  }
  xdr::Decoder d(msg);
  CallHeader h;
  EXPECT_TRUE(decode_call(d, h).ok());
}

// --- replies: exact bytes --------------------------------------------------------------------

struct ReplyCase {
  const char* name;
  void (*encode)(xdr::Encoder&);
  const char* hex;
};

const OpaqueAuth kStartTls{AuthFlavor::auth_none, as_bytes("STARTTLS")};

// xid, REPLY(1), reply_stat, then per RFC 5531 section 9: accepted = verifier, accept_stat
// [, low, high]; denied = reject_stat, then (low, high) or auth_stat — no verifier.
const ReplyCase kReplies[] = {
    {"success", [](xdr::Encoder& e) { encode_success_reply(e, kXid, kNullAuth); },
     "12345678 00000001 00000000 00000000 00000000 00000000"},
    {"success_starttls", [](xdr::Encoder& e) { encode_success_reply(e, kXid, kStartTls); },
     "12345678 00000001 00000000 00000000 00000008 5354415254544c53 00000000"},
    {"prog_unavail", [](xdr::Encoder& e) { encode_prog_unavail_reply(e, kXid, kNullAuth); },
     "12345678 00000001 00000000 00000000 00000000 00000001"},
    {"prog_mismatch", [](xdr::Encoder& e) { encode_prog_mismatch_reply(e, kXid, kNullAuth, 2, 4); },
     "12345678 00000001 00000000 00000000 00000000 00000002 00000002 00000004"},
    {"proc_unavail", [](xdr::Encoder& e) { encode_proc_unavail_reply(e, kXid, kNullAuth); },
     "12345678 00000001 00000000 00000000 00000000 00000003"},
    {"garbage_args", [](xdr::Encoder& e) { encode_garbage_args_reply(e, kXid, kNullAuth); },
     "12345678 00000001 00000000 00000000 00000000 00000004"},
    {"system_err", [](xdr::Encoder& e) { encode_system_err_reply(e, kXid, kNullAuth); },
     "12345678 00000001 00000000 00000000 00000000 00000005"},
    {"rpc_mismatch", [](xdr::Encoder& e) { encode_rpc_mismatch_reply(e, kXid); },
     "12345678 00000001 00000001 00000000 00000002 00000002"},
    {"auth_badcred", [](xdr::Encoder& e) { encode_auth_error_reply(e, kXid, AuthStat::auth_badcred); },
     "12345678 00000001 00000001 00000001 00000001"},
    {"auth_tooweak", [](xdr::Encoder& e) { encode_auth_error_reply(e, kXid, AuthStat::auth_tooweak); },
     "12345678 00000001 00000001 00000001 00000005"},
    {"gss_ctxproblem", [](xdr::Encoder& e) { encode_auth_error_reply(e, kXid, AuthStat::rpcsec_gss_ctxproblem); },
     "12345678 00000001 00000001 00000001 0000000e"},
};

TEST(EncodeReply, ExactBytesOfEveryVariant) {
  for (const ReplyCase& c : kReplies) EXPECT_EQ(hex(encoded(c.encode)), hex(from_hex(c.hex))) << c.name;
}

TEST(EncodeReply, TooSmallABufferFailsCleanly) {
  for (const ReplyCase& c : kReplies) {
    const std::size_t full = from_hex(c.hex).size();
    for (std::size_t n = 0; n < full; n += 4) {
      std::vector<std::byte> buf(n);
      xdr::Encoder e(buf);
      c.encode(e);
      EXPECT_EQ(e.error().code, xdr::Errc::no_space) << c.name << " n=" << n;
    }
  }
}

TEST(EncodeReply, VerifierOver400BytesFailsTheEncoder) {
  const std::vector<std::byte> big(401);
  std::array<std::byte, 1024> buf{};
  xdr::Encoder e(buf);
  encode_success_reply(e, 1, OpaqueAuth{AuthFlavor::auth_none, big});
  EXPECT_EQ(e.error().code, xdr::Errc::length_exceeds_max);
}

// --- replies: decoding -----------------------------------------------------------------------

ReplyHeader decode_ok(const Bytes& msg, std::size_t* rest = nullptr) {
  xdr::Decoder d(msg);
  ReplyHeader h;
  const ReplyResult r = decode_reply(d, h);
  EXPECT_TRUE(r.ok()) << r.error.message();
  EXPECT_TRUE(r.has_xid);
  EXPECT_EQ(r.xid, h.xid);
  if (rest != nullptr) *rest = d.remaining();
  return h;
}

TEST(DecodeReply, SuccessIsPositionedAtTheResults) {
  const Bytes msg = encoded([](xdr::Encoder& e) {
    encode_success_reply(e, kXid, kStartTls);
    e.put_uint(42);
  });
  xdr::Decoder d(msg);
  ReplyHeader h;
  ASSERT_TRUE(decode_reply(d, h).ok());
  EXPECT_EQ(h.xid, kXid);
  EXPECT_EQ(h.stat, ReplyStat::msg_accepted);
  EXPECT_EQ(h.accept_stat, AcceptStat::success);
  EXPECT_EQ(h.verf.flavor, AuthFlavor::auth_none);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(h.verf.body.data()), h.verf.body.size()), "STARTTLS");
  std::uint32_t result = 0;
  ASSERT_TRUE(d.get_uint(result));
  EXPECT_EQ(result, 42U);
  EXPECT_TRUE(d.expect_end());
}

TEST(DecodeReply, EveryAcceptedVariant) {
  struct {
    void (*encode)(xdr::Encoder&);
    AcceptStat stat;
  } const cases[] = {
      {[](xdr::Encoder& e) { encode_prog_unavail_reply(e, 1, kNullAuth); }, AcceptStat::prog_unavail},
      {[](xdr::Encoder& e) { encode_proc_unavail_reply(e, 1, kNullAuth); }, AcceptStat::proc_unavail},
      {[](xdr::Encoder& e) { encode_garbage_args_reply(e, 1, kNullAuth); }, AcceptStat::garbage_args},
      {[](xdr::Encoder& e) { encode_system_err_reply(e, 1, kNullAuth); }, AcceptStat::system_err},
  };
  for (const auto& c : cases) {
    std::size_t rest = 1;
    const ReplyHeader h = decode_ok(encoded(c.encode), &rest);
    EXPECT_EQ(h.stat, ReplyStat::msg_accepted);
    EXPECT_EQ(h.accept_stat, c.stat);
    EXPECT_EQ(rest, 0U);
  }
  std::size_t rest = 1;
  const ReplyHeader h =
      decode_ok(encoded([](xdr::Encoder& e) { encode_prog_mismatch_reply(e, 9, kNullAuth, 3, 5); }), &rest);
  EXPECT_EQ(h.xid, 9U);
  EXPECT_EQ(h.accept_stat, AcceptStat::prog_mismatch);
  EXPECT_EQ(h.low, 3U);
  EXPECT_EQ(h.high, 5U);
  EXPECT_EQ(rest, 0U);
}

TEST(DecodeReply, EveryDeniedVariant) {
  std::size_t rest = 1;
  ReplyHeader h = decode_ok(encoded([](xdr::Encoder& e) { encode_rpc_mismatch_reply(e, 3); }), &rest);
  EXPECT_EQ(h.stat, ReplyStat::msg_denied);
  EXPECT_EQ(h.reject_stat, RejectStat::rpc_mismatch);
  EXPECT_EQ(h.low, 2U);
  EXPECT_EQ(h.high, 2U);
  EXPECT_EQ(rest, 0U);
  for (int why = 0; why <= 14; ++why) {
    h = decode_ok(encoded([&](xdr::Encoder& e) { encode_auth_error_reply(e, 3, static_cast<AuthStat>(why)); }), &rest);
    EXPECT_EQ(h.stat, ReplyStat::msg_denied);
    EXPECT_EQ(h.reject_stat, RejectStat::auth_error);
    EXPECT_EQ(h.auth_stat, static_cast<AuthStat>(why));
    EXPECT_EQ(rest, 0U);
  }
}

TEST(DecodeReply, UnknownAcceptStatTakesTheDefaultVoidArm) {
  const ReplyHeader h = decode_ok(from_hex("00000001 00000001 00000000 00000000 00000000 00000009"));
  EXPECT_EQ(static_cast<int>(h.accept_stat), 9);
}

TEST(DecodeReply, UnknownDiscriminantsAreGarbage) {
  for (const char* text :
       {"00000001 00000002", "00000001 00000001 00000002", "00000001 00000001 00000001 00000002 00000000 00000000"}) {
    const Bytes msg = from_hex(text);
    xdr::Decoder d(msg);
    ReplyHeader h;
    const ReplyResult r = decode_reply(d, h);
    EXPECT_EQ(r.status, ReplyStatus::garbage) << text;
    EXPECT_EQ(r.error.code, xdr::Errc::bad_discriminant) << text;
    EXPECT_EQ(r.xid, 1U);
  }
}

TEST(DecodeReply, CallIsNotAReply) {
  xdr::Decoder d(kNullCall);
  ReplyHeader h;
  const ReplyResult r = decode_reply(d, h);
  EXPECT_EQ(r.status, ReplyStatus::not_a_reply);
  EXPECT_EQ(r.xid, 1U);
}

TEST(DecodeReply, VerifierOver400BytesIsGarbage) {
  Bytes msg = from_hex("00000001 00000001 00000000 00000000 00000191");
  msg.resize(msg.size() + 404 + 4);
  xdr::Decoder d(msg);
  ReplyHeader h;
  const ReplyResult r = decode_reply(d, h);
  EXPECT_EQ(r.status, ReplyStatus::garbage);
  EXPECT_EQ(r.error.code, xdr::Errc::length_exceeds_max);
}

TEST(DecodeReply, TruncatedAtEveryOffsetOfEveryVariantIsGarbage) {
  for (const ReplyCase& c : kReplies) {
    const Bytes msg = from_hex(c.hex);
    for (std::size_t n = 0; n < msg.size(); ++n) {
      const Bytes cut(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(n));
      xdr::Decoder d(cut);
      ReplyHeader h;
      const ReplyResult r = decode_reply(d, h);
      EXPECT_EQ(r.status, ReplyStatus::garbage) << c.name << " n=" << n;
      EXPECT_EQ(r.has_xid, n >= 4) << c.name << " n=" << n;
    }
    std::size_t rest = 1;
    const ReplyHeader h = decode_ok(msg, &rest);
    EXPECT_EQ(h.xid, kXid) << c.name;
    EXPECT_EQ(rest, 0U) << c.name;
  }
}

TEST(DecodeCall, FastPathAgreesWithTheGeneralPath) {
  // decode_call reads ordinary headers with one bounds check; decode_call_general is the
  // field-by-field reference. Every credential size, verifiers empty and not, any trailing args.
  std::vector<std::byte> cred_body(400, std::byte{0x5a});
  std::vector<std::byte> verf_body(8, std::byte{0x33});
  for (std::size_t cred = 0; cred <= 400; cred += 4) {
    for (std::size_t verf : {std::size_t{0}, std::size_t{8}}) {
      for (std::size_t args : {std::size_t{0}, std::size_t{12}}) {
        std::vector<std::byte> buf(1024);
        xdr::Encoder e(buf);
        encode_call(e, 7, 100003, 3, 1, {AuthFlavor::auth_sys, std::span(cred_body).first(cred)},
                    {AuthFlavor::auth_none, std::span(verf_body).first(verf)});
        for (std::size_t i = 0; i < args; ++i) e.put_raw("a", 1);
        const auto bytes = e.written();
        for (std::size_t cut : {bytes.size(), bytes.size() - 1, std::size_t{39}}) {
          xdr::Decoder fast(bytes.first(cut));
          xdr::Decoder general(bytes.first(cut));
          CallHeader a;
          CallHeader b;
          const CallResult ra = decode_call(fast, a);
          const CallResult rb = decode_call_general(general, b);
          ASSERT_EQ(ra.status, rb.status) << cred << " " << verf << " " << cut;
          ASSERT_EQ(fast.offset(), general.offset());
          if (!ra.ok()) continue;
          EXPECT_EQ(a.xid, b.xid);
          EXPECT_EQ(a.prog, b.prog);
          EXPECT_EQ(a.vers, b.vers);
          EXPECT_EQ(a.proc, b.proc);
          EXPECT_EQ(a.cred.flavor, b.cred.flavor);
          EXPECT_EQ(a.cred.body.data(), b.cred.body.data());
          EXPECT_EQ(a.cred.body.size(), b.cred.body.size());
          EXPECT_EQ(a.verf.flavor, b.verf.flavor);
          EXPECT_EQ(a.verf.body.size(), b.verf.body.size());
        }
      }
    }
  }
}

TEST(EncodeCall, FastPathWritesWhatTheGeneralPathWrites) {
  // encode_call stores whole-word credentials with one bounds check; encode_call_general is the
  // field-by-field reference. Every credential size, with and without a verifier body, and
  // buffers too small by one byte (both must fail the encoder the same way).
  std::vector<std::byte> cred_body(404, std::byte{0x5a});
  std::vector<std::byte> verf_body(8, std::byte{0x33});
  for (std::size_t cred = 0; cred <= 404; cred += (cred < 12 ? 1 : 4)) {
    for (std::size_t verf : {std::size_t{0}, std::size_t{8}}) {
      const OpaqueAuth c{AuthFlavor::auth_sys, std::span(cred_body).first(cred)};
      const OpaqueAuth v{AuthFlavor::auth_none, std::span(verf_body).first(verf)};
      std::vector<std::byte> a(1024);
      std::vector<std::byte> b(1024);
      xdr::Encoder fast(a);
      xdr::Encoder general(b);
      encode_call(fast, 0xdeadbeef, 100003, 3, 7, c, v);
      encode_call_general(general, 0xdeadbeef, 100003, 3, 7, c, v);
      ASSERT_EQ(fast.ok(), general.ok()) << cred << " " << verf;
      ASSERT_EQ(fast.ok(), cred <= 400) << cred;
      if (!fast.ok()) continue;
      const auto want = general.written();
      ASSERT_TRUE(std::equal(want.begin(), want.end(), fast.written().begin(), fast.written().end()))
          << cred << " " << verf;
      std::vector<std::byte> tight(want.size() - 1);
      xdr::Encoder short_fast(tight);
      encode_call(short_fast, 1, 2, 3, 4, c, v);
      EXPECT_FALSE(short_fast.ok()) << cred << " " << verf;
    }
  }
}

TEST(DecodeReply, FastPathAgreesWithTheGeneralPath) {
  // decode_reply reads MSG_ACCEPTED / SUCCESS with an empty verifier in one bounds check; every
  // other shape (and every truncation) must come out as decode_reply_general says.
  std::vector<std::vector<std::byte>> replies;
  for (const AuthFlavor flavor : {AuthFlavor::auth_none, AuthFlavor::auth_sys}) {
    std::vector<std::byte> buf(64);
    xdr::Encoder e(buf);
    encode_success_reply_general(e, 42, {flavor, {}});
    e.put_uint(99);  // results
    replies.emplace_back(e.written().begin(), e.written().end());
  }
  const std::array<std::byte, 8> verf{};
  auto add = [&](auto encode) {
    std::vector<std::byte> buf(64);
    xdr::Encoder e(buf);
    encode(e);
    replies.emplace_back(e.written().begin(), e.written().end());
  };
  add([&](xdr::Encoder& e) { encode_success_reply_general(e, 42, {AuthFlavor::auth_none, verf}); });
  add([](xdr::Encoder& e) { encode_prog_unavail_reply(e, 42, kNullAuth); });
  add([](xdr::Encoder& e) { encode_prog_mismatch_reply(e, 42, kNullAuth, 2, 4); });
  add([](xdr::Encoder& e) { encode_garbage_args_reply(e, 42, kNullAuth); });
  add([](xdr::Encoder& e) { encode_rpc_mismatch_reply(e, 42); });
  add([](xdr::Encoder& e) { encode_auth_error_reply(e, 42, AuthStat::auth_tooweak); });
  add([](xdr::Encoder& e) { encode_call_general(e, 42, 1, 2, 3, kNullAuth, kNullAuth); });
  for (const auto& msg : replies) {
    for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
      const auto bytes = std::span<const std::byte>(msg).first(cut);
      xdr::Decoder fast(bytes);
      xdr::Decoder general(bytes);
      ReplyHeader a;
      ReplyHeader b;
      const ReplyResult ra = decode_reply(fast, a);
      const ReplyResult rb = decode_reply_general(general, b);
      ASSERT_EQ(ra.status, rb.status) << cut;
      ASSERT_EQ(ra.has_xid, rb.has_xid) << cut;
      ASSERT_EQ(fast.offset(), general.offset()) << cut;
      if (!ra.ok()) continue;
      EXPECT_EQ(a.xid, b.xid);
      EXPECT_EQ(a.stat, b.stat);
      EXPECT_EQ(a.verf.flavor, b.verf.flavor);
      EXPECT_EQ(a.verf.body.size(), b.verf.body.size());
      EXPECT_EQ(a.accept_stat, b.accept_stat);
      EXPECT_EQ(a.reject_stat, b.reject_stat);
      EXPECT_EQ(a.auth_stat, b.auth_stat);
      EXPECT_EQ(a.low, b.low);
      EXPECT_EQ(a.high, b.high);
    }
  }
}

}  // namespace
}  // namespace nelson::rpc
