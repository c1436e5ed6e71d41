// Interoperability of the RPC message layer with libtirpc, the implementation most peers run.
//
// Calls: libtirpc's xdr_callmsg (with an authunix_create credential, or a hand-built AUTH_SYS
// body from xdr_authunix_parms) is read by decode_call + parse_auth_sys, and nelson's
// encode_call is read by xdr_callmsg + xdr_authunix_parms. Replies: every reply nelson encodes
// is read by xdr_replymsg and classified by _seterr_reply (what a libtirpc client reports),
// and every reply libtirpc encodes is read by decode_reply. The AUTH_SYS limits are checked to
// be enforced alike.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/auth_sys.hpp"
#include "rpc/message.hpp"
#include "tests/xdr/test_bytes.hpp"
#include "xdr/decoder.hpp"
#include "xdr/encoder.hpp"
#include "xdr/error.hpp"

// libtirpc comes last: its headers define macros (AUTH_NONE, AUTH_SYS, re_why, ar_results,
// TRUE) that the nelson headers above must not see.
#include <rpc/rpc.h>

namespace nelson::rpc::tirpc_interop {
namespace {

using Bytes = std::vector<std::byte>;
using xdr::test::hex;

// libtirpc's XDR works on char*; these wrap one encode or decode over a byte buffer.
struct TirpcEncoder {
  std::array<char, 2048> buf{};
  XDR xdrs{};
  TirpcEncoder() { xdrmem_create(&xdrs, buf.data(), static_cast<u_int>(buf.size()), XDR_ENCODE); }
  ~TirpcEncoder() { xdr_destroy(&xdrs); }
  TirpcEncoder(const TirpcEncoder&) = delete;
  TirpcEncoder& operator=(const TirpcEncoder&) = delete;
  Bytes bytes() {
    const auto* p = reinterpret_cast<const std::byte*>(buf.data());
    return Bytes(p, p + xdr_getpos(&xdrs));
  }
};

struct TirpcDecoder {
  Bytes data;
  XDR xdrs{};
  explicit TirpcDecoder(Bytes in) : data(std::move(in)) {
    xdrmem_create(&xdrs, reinterpret_cast<char*>(data.data()), static_cast<u_int>(data.size()), XDR_DECODE);
  }
  ~TirpcDecoder() { xdr_destroy(&xdrs); }
  TirpcDecoder(const TirpcDecoder&) = delete;
  TirpcDecoder& operator=(const TirpcDecoder&) = delete;
  [[nodiscard]] bool at_end() { return xdr_getpos(&xdrs) == data.size(); }
};

std::span<const std::byte> span_of(const opaque_auth& a) {
  return {reinterpret_cast<const std::byte*>(a.oa_base), a.oa_length};
}

Bytes encode_nelson(auto&& encode) {
  std::array<std::byte, 2048> buf{};
  xdr::Encoder e(buf);
  encode(e);
  EXPECT_TRUE(e.ok()) << e.error().message();
  return Bytes(e.written().begin(), e.written().end());
}

// libtirpc's AUTH_SYS body for fixed fields (authunix_create stamps the current time).
Bytes tirpc_auth_sys_body(const char* name, u_int n_gids) {
  std::array<gid_t, 32> gids{};
  for (u_int i = 0; i < n_gids; ++i) gids[i] = 500 + i;
  authunix_parms p{};
  p.aup_time = 0x5f5e100;
  p.aup_machname = const_cast<char*>(name);
  p.aup_uid = 1001;
  p.aup_gid = 1002;
  p.aup_len = n_gids;
  p.aup_gids = gids.data();
  TirpcEncoder enc;
  if (!xdr_authunix_parms(&enc.xdrs, &p)) return {};
  return enc.bytes();
}

// --- calls -----------------------------------------------------------------------------------

TEST(TirpcCall, AuthunixCreateCallDecodesInNelson) {
  std::array<gid_t, 3> gids{10, 20, 30};
  AUTH* auth = authunix_create(const_cast<char*>("tirpc-host"), 4242, 77, static_cast<int>(gids.size()), gids.data());
  ASSERT_NE(auth, nullptr);
  rpc_msg msg{};
  msg.rm_xid = 0xcafef00d;
  msg.rm_direction = CALL;
  msg.rm_call.cb_rpcvers = RPC_MSG_VERSION;
  msg.rm_call.cb_prog = 100003;
  msg.rm_call.cb_vers = 4;
  msg.rm_call.cb_proc = 1;
  msg.rm_call.cb_cred = auth->ah_cred;
  msg.rm_call.cb_verf = auth->ah_verf;
  TirpcEncoder enc;
  ASSERT_TRUE(xdr_callmsg(&enc.xdrs, &msg));
  u_int arg = 0xa5a5a5a5;
  ASSERT_TRUE(xdr_u_int(&enc.xdrs, &arg));
  const Bytes wire = enc.bytes();

  // What libtirpc itself reads back from the credential: the reference for the stamp.
  authunix_parms ref{};
  {
    TirpcDecoder dec(Bytes(span_of(auth->ah_cred).begin(), span_of(auth->ah_cred).end()));
    ASSERT_TRUE(xdr_authunix_parms(&dec.xdrs, &ref));
  }

  xdr::Decoder d(wire);
  CallHeader h;
  const CallResult r = decode_call(d, h);
  ASSERT_TRUE(r.ok()) << r.error.message();
  EXPECT_EQ(h.xid, 0xcafef00dU);
  EXPECT_EQ(h.prog, 100003U);
  EXPECT_EQ(h.vers, 4U);
  EXPECT_EQ(h.proc, 1U);
  EXPECT_EQ(h.cred.flavor, AuthFlavor::auth_sys);
  EXPECT_EQ(hex(h.cred.body), hex(span_of(auth->ah_cred)));
  EXPECT_EQ(h.verf.flavor, AuthFlavor::auth_none);
  EXPECT_TRUE(h.verf.body.empty());
  std::uint32_t got_arg = 0;
  ASSERT_TRUE(d.get_uint(got_arg));
  EXPECT_EQ(got_arg, 0xa5a5a5a5U);

  AuthSys sys;
  ASSERT_EQ(parse_auth_sys(h.cred.body, sys), AuthStat::auth_ok);
  EXPECT_EQ(sys.stamp, static_cast<std::uint32_t>(ref.aup_time));
  EXPECT_EQ(sys.machine_name, "tirpc-host");
  EXPECT_EQ(sys.uid, 4242U);
  EXPECT_EQ(sys.gid, 77U);
  ASSERT_EQ(sys.groups().size(), 3U);
  EXPECT_EQ(sys.groups()[0], 10U);
  EXPECT_EQ(sys.groups()[1], 20U);
  EXPECT_EQ(sys.groups()[2], 30U);

  xdr_free(reinterpret_cast<xdrproc_t>(xdr_authunix_parms), reinterpret_cast<char*>(&ref));
  auth_destroy(auth);
}

TEST(TirpcCall, HandBuiltOpaqueAuthDecodesInNelson) {
  const Bytes body = tirpc_auth_sys_body("hand-built-name", 16);
  ASSERT_FALSE(body.empty());
  const std::string verf_body = "verifier";
  rpc_msg msg{};
  msg.rm_xid = 17;
  msg.rm_direction = CALL;
  msg.rm_call.cb_rpcvers = RPC_MSG_VERSION;
  msg.rm_call.cb_prog = 100000;
  msg.rm_call.cb_vers = 2;
  msg.rm_call.cb_proc = 3;
  msg.rm_call.cb_cred.oa_flavor = AUTH_SYS;
  msg.rm_call.cb_cred.oa_base = const_cast<char*>(reinterpret_cast<const char*>(body.data()));
  msg.rm_call.cb_cred.oa_length = static_cast<u_int>(body.size());
  msg.rm_call.cb_verf.oa_flavor = RPCSEC_GSS;
  msg.rm_call.cb_verf.oa_base = const_cast<char*>(verf_body.data());
  msg.rm_call.cb_verf.oa_length = static_cast<u_int>(verf_body.size());
  TirpcEncoder enc;
  ASSERT_TRUE(xdr_callmsg(&enc.xdrs, &msg));
  const Bytes wire = enc.bytes();

  xdr::Decoder d(wire);
  CallHeader h;
  ASSERT_TRUE(decode_call(d, h).ok());
  EXPECT_EQ(d.remaining(), 0U);
  EXPECT_EQ(h.xid, 17U);
  EXPECT_EQ(h.prog, 100000U);
  EXPECT_EQ(h.vers, 2U);
  EXPECT_EQ(h.proc, 3U);
  EXPECT_EQ(h.verf.flavor, AuthFlavor::rpcsec_gss);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(h.verf.body.data()), h.verf.body.size()), verf_body);
  AuthSys sys;
  ASSERT_EQ(parse_auth_sys(h.cred.body, sys), AuthStat::auth_ok);
  EXPECT_EQ(sys.stamp, 0x5f5e100U);
  EXPECT_EQ(sys.machine_name, "hand-built-name");
  EXPECT_EQ(sys.uid, 1001U);
  EXPECT_EQ(sys.gid, 1002U);
  ASSERT_EQ(sys.gid_count, 16U);
  for (std::uint32_t i = 0; i < 16; ++i) EXPECT_EQ(sys.gids[i], 500 + i);
}

TEST(TirpcCall, NelsonCallDecodesInTirpc) {
  AuthSys sys;
  sys.stamp = 123456;
  sys.machine_name = "nelson-client";
  sys.uid = 65534;
  sys.gid = 65533;
  sys.gid_count = 4;
  sys.gids = {4, 3, 2, 1};
  std::array<std::byte, kMaxAuthBytes> cred_buf{};
  xdr::Encoder ce(cred_buf);
  encode_auth_sys(ce, sys);
  ASSERT_TRUE(ce.ok());
  const std::string verf = "abcde";  // odd length: padding must agree
  const Bytes wire = encode_nelson([&](xdr::Encoder& e) {
    encode_call(e, 0x01020304, 300019, 1, 7, OpaqueAuth{AuthFlavor::auth_sys, ce.written()},
                OpaqueAuth{AuthFlavor::auth_dh, std::as_bytes(std::span(verf.data(), verf.size()))});
    e.put_uint(99);
  });

  TirpcDecoder dec(wire);
  std::array<char, MAX_AUTH_BYTES> cred_body{};
  std::array<char, MAX_AUTH_BYTES> verf_body{};
  rpc_msg msg{};
  msg.rm_call.cb_cred.oa_base = cred_body.data();
  msg.rm_call.cb_verf.oa_base = verf_body.data();
  ASSERT_TRUE(xdr_callmsg(&dec.xdrs, &msg));
  EXPECT_EQ(msg.rm_xid, 0x01020304U);
  EXPECT_EQ(msg.rm_direction, CALL);
  EXPECT_EQ(msg.rm_call.cb_rpcvers, 2U);
  EXPECT_EQ(msg.rm_call.cb_prog, 300019U);
  EXPECT_EQ(msg.rm_call.cb_vers, 1U);
  EXPECT_EQ(msg.rm_call.cb_proc, 7U);
  EXPECT_EQ(msg.rm_call.cb_cred.oa_flavor, AUTH_SYS);
  EXPECT_EQ(msg.rm_call.cb_verf.oa_flavor, AUTH_DH);
  EXPECT_EQ(std::string(msg.rm_call.cb_verf.oa_base, msg.rm_call.cb_verf.oa_length), verf);
  u_int arg = 0;
  ASSERT_TRUE(xdr_u_int(&dec.xdrs, &arg));
  EXPECT_EQ(arg, 99U);
  EXPECT_TRUE(dec.at_end());

  authunix_parms p{};
  TirpcDecoder cred(Bytes(span_of(msg.rm_call.cb_cred).begin(), span_of(msg.rm_call.cb_cred).end()));
  ASSERT_TRUE(xdr_authunix_parms(&cred.xdrs, &p));
  EXPECT_TRUE(cred.at_end());
  EXPECT_EQ(p.aup_time, 123456U);
  EXPECT_STREQ(p.aup_machname, "nelson-client");
  EXPECT_EQ(p.aup_uid, 65534U);
  EXPECT_EQ(p.aup_gid, 65533U);
  ASSERT_EQ(p.aup_len, 4U);
  EXPECT_EQ(p.aup_gids[0], 4U);
  EXPECT_EQ(p.aup_gids[3], 1U);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_authunix_parms), reinterpret_cast<char*>(&p));
}

TEST(TirpcCall, AuthSysLimitsAgree) {
  // Both sides accept a 255-byte name and 16 groups; libtirpc's encoder refuses 256 / 17,
  // so those bodies are built by hand: both sides must refuse to decode them.
  const std::string n255(255, 'a');
  const Bytes ok = tirpc_auth_sys_body(n255.c_str(), 16);
  ASSERT_FALSE(ok.empty());
  AuthSys sys;
  EXPECT_EQ(parse_auth_sys(ok, sys), AuthStat::auth_ok);

  const std::string n256(256, 'a');
  EXPECT_TRUE(tirpc_auth_sys_body(n256.c_str(), 0).empty());
  EXPECT_TRUE(tirpc_auth_sys_body("h", 17).empty());

  for (const bool long_name : {true, false}) {
    Bytes bad = tirpc_auth_sys_body(long_name ? n255.c_str() : "h", long_name ? 0 : 16);
    if (long_name) {
      // Length 255 -> 256: the padding byte becomes part of the name.
      bad[7] = std::byte{0};
      bad[6] = std::byte{1};
      bad[4 + 4 + 255] = std::byte{'a'};
    } else {
      // 16 groups -> claim 17 and add one.
      bad[4 + 4 + 4 + 8 + 3] = std::byte{17};
      bad.resize(bad.size() + 4);
    }
    EXPECT_EQ(parse_auth_sys(bad, sys), AuthStat::auth_badcred) << long_name;
    authunix_parms p{};
    TirpcDecoder dec(bad);
    EXPECT_FALSE(xdr_authunix_parms(&dec.xdrs, &p)) << long_name;
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_authunix_parms), reinterpret_cast<char*>(&p));
  }
}

// --- replies: nelson -> libtirpc -----------------------------------------------------------------

// Decodes `wire` with xdr_replymsg (results as one u_int) and classifies it like a client.
struct TirpcReply {
  bool decoded = false;
  rpc_msg msg{};
  rpc_err err{};
  u_int result = 0;
  std::array<char, MAX_AUTH_BYTES> verf_body{};
  std::string verf;
};

void decode_with_tirpc(const Bytes& wire, TirpcReply& out) {
  TirpcDecoder dec(wire);
  out.msg.acpted_rply.ar_verf.oa_base = out.verf_body.data();
  out.msg.acpted_rply.ar_results.where = reinterpret_cast<char*>(&out.result);
  out.msg.acpted_rply.ar_results.proc = reinterpret_cast<xdrproc_t>(xdr_u_int);
  out.decoded = xdr_replymsg(&dec.xdrs, &out.msg) != 0 && dec.at_end();
  if (!out.decoded) return;
  _seterr_reply(&out.msg, &out.err);
  if (out.msg.rm_reply.rp_stat == MSG_ACCEPTED) {
    out.verf.assign(out.msg.acpted_rply.ar_verf.oa_base, out.msg.acpted_rply.ar_verf.oa_length);
  }
}

const std::string kVerf = "STARTTLS";
const OpaqueAuth kStartTls{AuthFlavor::auth_none, std::as_bytes(std::span(kVerf.data(), kVerf.size()))};

TEST(TirpcReply, NelsonSuccessDecodesInTirpc) {
  TirpcReply r;
  decode_with_tirpc(encode_nelson([](xdr::Encoder& e) {
                      encode_success_reply(e, 0x77, kStartTls);
                      e.put_uint(31337);
                    }),
                    r);
  ASSERT_TRUE(r.decoded);
  EXPECT_EQ(r.msg.rm_xid, 0x77U);
  EXPECT_EQ(r.msg.rm_direction, REPLY);
  EXPECT_EQ(r.msg.rm_reply.rp_stat, MSG_ACCEPTED);
  EXPECT_EQ(r.msg.acpted_rply.ar_stat, SUCCESS);
  EXPECT_EQ(r.err.re_status, RPC_SUCCESS);
  EXPECT_EQ(r.result, 31337U);
  EXPECT_EQ(r.msg.acpted_rply.ar_verf.oa_flavor, AUTH_NONE);
  EXPECT_EQ(r.verf, kVerf);
}

TEST(TirpcReply, NelsonAcceptedErrorsDecodeInTirpc) {
  struct {
    void (*encode)(xdr::Encoder&);
    accept_stat stat;
    clnt_stat status;
  } const cases[] = {
      {[](xdr::Encoder& e) { encode_prog_unavail_reply(e, 5, kNullAuth); }, PROG_UNAVAIL, RPC_PROGUNAVAIL},
      {[](xdr::Encoder& e) { encode_proc_unavail_reply(e, 5, kNullAuth); }, PROC_UNAVAIL, RPC_PROCUNAVAIL},
      {[](xdr::Encoder& e) { encode_garbage_args_reply(e, 5, kNullAuth); }, GARBAGE_ARGS, RPC_CANTDECODEARGS},
      {[](xdr::Encoder& e) { encode_system_err_reply(e, 5, kNullAuth); }, SYSTEM_ERR, RPC_SYSTEMERROR},
  };
  for (const auto& c : cases) {
    TirpcReply r;
    decode_with_tirpc(encode_nelson(c.encode), r);
    ASSERT_TRUE(r.decoded) << c.stat;
    EXPECT_EQ(r.msg.rm_xid, 5U);
    EXPECT_EQ(r.msg.rm_reply.rp_stat, MSG_ACCEPTED);
    EXPECT_EQ(r.msg.acpted_rply.ar_stat, c.stat);
    EXPECT_EQ(r.err.re_status, c.status);
  }
  TirpcReply r;
  decode_with_tirpc(encode_nelson([](xdr::Encoder& e) { encode_prog_mismatch_reply(e, 6, kStartTls, 2, 4); }), r);
  ASSERT_TRUE(r.decoded);
  EXPECT_EQ(r.msg.acpted_rply.ar_stat, PROG_MISMATCH);
  EXPECT_EQ(r.err.re_status, RPC_PROGVERSMISMATCH);
  EXPECT_EQ(r.err.re_vers.low, 2U);
  EXPECT_EQ(r.err.re_vers.high, 4U);
  EXPECT_EQ(r.verf, kVerf);
}

TEST(TirpcReply, NelsonDeniedRepliesDecodeInTirpc) {
  TirpcReply r;
  decode_with_tirpc(encode_nelson([](xdr::Encoder& e) { encode_rpc_mismatch_reply(e, 8); }), r);
  ASSERT_TRUE(r.decoded);
  EXPECT_EQ(r.msg.rm_xid, 8U);
  EXPECT_EQ(r.msg.rm_reply.rp_stat, MSG_DENIED);
  EXPECT_EQ(r.msg.rjcted_rply.rj_stat, RPC_MISMATCH);
  EXPECT_EQ(r.err.re_status, RPC_VERSMISMATCH);
  EXPECT_EQ(r.err.re_vers.low, 2U);
  EXPECT_EQ(r.err.re_vers.high, 2U);

  for (int why : {1, 2, 3, 4, 5, 6, 7, 13, 14}) {
    TirpcReply a;
    decode_with_tirpc(
        encode_nelson([&](xdr::Encoder& e) { encode_auth_error_reply(e, 9, static_cast<AuthStat>(why)); }), a);
    ASSERT_TRUE(a.decoded) << why;
    EXPECT_EQ(a.msg.rjcted_rply.rj_stat, AUTH_ERROR);
    EXPECT_EQ(a.msg.rjcted_rply.rj_why, static_cast<auth_stat>(why));
    EXPECT_EQ(a.err.re_status, RPC_AUTHERROR);
    EXPECT_EQ(a.err.re_why, static_cast<auth_stat>(why));
  }
}

TEST(TirpcReply, ErrorReplyForAFailedDecodeCallDecodesInTirpc) {
  // A libtirpc client calling with rpcvers 3 (hand-patched) gets RPC_VERSMISMATCH from nelson.
  rpc_msg call{};
  call.rm_xid = 4711;
  call.rm_direction = CALL;
  call.rm_call.cb_rpcvers = RPC_MSG_VERSION;
  call.rm_call.cb_cred.oa_flavor = AUTH_NONE;
  call.rm_call.cb_verf.oa_flavor = AUTH_NONE;
  TirpcEncoder enc;
  ASSERT_TRUE(xdr_callmsg(&enc.xdrs, &call));
  Bytes wire = enc.bytes();
  wire[11] = std::byte{3};
  xdr::Decoder d(wire);
  CallHeader h;
  const CallResult cr = decode_call(d, h);
  ASSERT_EQ(cr.status, CallStatus::rpc_mismatch);
  TirpcReply r;
  decode_with_tirpc(encode_nelson([&](xdr::Encoder& e) { EXPECT_TRUE(encode_error_reply(e, cr)); }), r);
  ASSERT_TRUE(r.decoded);
  EXPECT_EQ(r.msg.rm_xid, 4711U);
  EXPECT_EQ(r.err.re_status, RPC_VERSMISMATCH);
}

// --- replies: libtirpc -> nelson -----------------------------------------------------------------

Bytes tirpc_reply(rpc_msg& msg) {
  msg.rm_direction = REPLY;
  TirpcEncoder enc;
  EXPECT_TRUE(xdr_replymsg(&enc.xdrs, &msg));
  return enc.bytes();
}

TEST(TirpcReply, TirpcAcceptedRepliesDecodeInNelson) {
  for (const accept_stat stat : {SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR}) {
    rpc_msg msg{};
    msg.rm_xid = 1000U + static_cast<u_int>(stat);
    msg.rm_reply.rp_stat = MSG_ACCEPTED;
    msg.acpted_rply.ar_verf.oa_flavor = AUTH_NONE;
    msg.acpted_rply.ar_verf.oa_base = const_cast<char*>(kVerf.data());
    msg.acpted_rply.ar_verf.oa_length = static_cast<u_int>(kVerf.size());
    msg.acpted_rply.ar_stat = stat;
    u_int result = 0xfeedface;
    if (stat == SUCCESS) {
      msg.acpted_rply.ar_results.where = reinterpret_cast<char*>(&result);
      msg.acpted_rply.ar_results.proc = reinterpret_cast<xdrproc_t>(xdr_u_int);
    } else if (stat == PROG_MISMATCH) {
      msg.acpted_rply.ar_vers.low = 1;
      msg.acpted_rply.ar_vers.high = 3;
    }
    const Bytes wire = tirpc_reply(msg);

    xdr::Decoder d(wire);
    ReplyHeader h;
    const ReplyResult r = decode_reply(d, h);
    ASSERT_TRUE(r.ok()) << stat << ": " << r.error.message();
    EXPECT_EQ(h.xid, msg.rm_xid);
    EXPECT_EQ(h.stat, ReplyStat::msg_accepted);
    EXPECT_EQ(static_cast<int>(h.accept_stat), static_cast<int>(stat));
    EXPECT_EQ(h.verf.flavor, AuthFlavor::auth_none);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(h.verf.body.data()), h.verf.body.size()), kVerf);
    if (stat == SUCCESS) {
      std::uint32_t got = 0;
      ASSERT_TRUE(d.get_uint(got));
      EXPECT_EQ(got, 0xfeedfaceU);
    } else if (stat == PROG_MISMATCH) {
      EXPECT_EQ(h.low, 1U);
      EXPECT_EQ(h.high, 3U);
    }
    EXPECT_EQ(d.remaining(), 0U) << stat;
  }
}

TEST(TirpcReply, TirpcDeniedRepliesDecodeInNelson) {
  rpc_msg msg{};
  msg.rm_xid = 55;
  msg.rm_reply.rp_stat = MSG_DENIED;
  msg.rjcted_rply.rj_stat = RPC_MISMATCH;
  msg.rjcted_rply.rj_vers.low = 2;
  msg.rjcted_rply.rj_vers.high = 2;
  Bytes wire = tirpc_reply(msg);
  {
    xdr::Decoder d(wire);
    ReplyHeader h;
    ASSERT_TRUE(decode_reply(d, h).ok());
    EXPECT_EQ(h.xid, 55U);
    EXPECT_EQ(h.stat, ReplyStat::msg_denied);
    EXPECT_EQ(h.reject_stat, RejectStat::rpc_mismatch);
    EXPECT_EQ(h.low, 2U);
    EXPECT_EQ(h.high, 2U);
    EXPECT_EQ(d.remaining(), 0U);
    // Same bytes as nelson's own encoder.
    EXPECT_EQ(hex(wire), hex(encode_nelson([](xdr::Encoder& e) { encode_rpc_mismatch_reply(e, 55); })));
  }
  for (const auth_stat why : {AUTH_BADCRED, AUTH_REJECTEDCRED, AUTH_BADVERF, AUTH_REJECTEDVERF, AUTH_TOOWEAK,
                              AUTH_INVALIDRESP, AUTH_FAILED, RPCSEC_GSS_CREDPROBLEM, RPCSEC_GSS_CTXPROBLEM}) {
    rpc_msg m{};
    m.rm_xid = 56;
    m.rm_reply.rp_stat = MSG_DENIED;
    m.rjcted_rply.rj_stat = AUTH_ERROR;
    m.rjcted_rply.rj_why = why;
    wire = tirpc_reply(m);
    xdr::Decoder d(wire);
    ReplyHeader h;
    ASSERT_TRUE(decode_reply(d, h).ok()) << why;
    EXPECT_EQ(h.reject_stat, RejectStat::auth_error);
    EXPECT_EQ(static_cast<int>(h.auth_stat), static_cast<int>(why));
    EXPECT_EQ(d.remaining(), 0U);
    EXPECT_EQ(hex(wire),
              hex(encode_nelson([&](xdr::Encoder& e) { encode_auth_error_reply(e, 56, static_cast<AuthStat>(why)); })));
  }
}

}  // namespace
}  // namespace nelson::rpc::tirpc_interop
