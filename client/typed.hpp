// client::Reply<T> and the glue nelson-gen's client stubs are made of: a call's decoded result
// (or its error), delivered to a callback or returned by a blocking call.
//
//   bench::BENCHVERS_client c(*client);
//   c.bench_echo(data, [](client::Reply<bench::bench_bytes>& r) {     // asynchronous
//     if (!r.ok()) return log(client::message(r.error));
//     use(r.value);                                                     // valid during the callback
//   });
//   client::Reply<std::int64_t> sum = c.bench_sum_sync(ints);            // blocking: runs the loop
//
// A result that does not decode as the contract says (or leaves bytes over) is
// Errc::cant_decode_reply. Values decoded in view mode (nelson-gen --views) point into the
// reply's bytes: in a callback they are valid until it returns; a blocking call's Reply owns
// the bytes, so its views live as long as the Reply (moving it keeps them valid; it cannot be
// copied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "client/client.hpp"
#include "core/inline_function.hpp"
#include "xdr/decoder.hpp"

namespace nelson::client {

template <class T>
struct Reply {
  Error error;
  T value{};
  std::uint32_t xid = 0;
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }

  Reply() = default;
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = delete;  // a copy's views would point into the original's bytes
  Reply& operator=(const Reply&) = delete;
  ~Reply() = default;

  // A blocking call's reply bytes, which view-mode values point into (empty in callbacks).
  std::vector<std::byte> bytes;
};

/// A procedure with void results.
template <>
struct Reply<void> {
  Error error;
  std::uint32_t xid = 0;
  [[nodiscard]] bool ok() const noexcept { return error.ok(); }
};

/// A stub's callback: captures of up to 48 bytes are kept inline (see client::Callback).
template <class T>
using ReplyCallback = core::InlineFunction<void(Reply<T>&), 48>;

/// How a stub decodes a result of type T (a generated decode function).
template <class T>
using ResultDecoder = bool (*)(xdr::Decoder&, T&);

namespace detail {

// Fills `reply` from a call's outcome: the error, or the value decoded from `results`.
template <class T>
void decode_into(Reply<T>& reply, const Error& error, std::span<const std::byte> results, std::uint32_t xid,
                 ResultDecoder<T> decode) {
  reply.error = error;
  reply.xid = xid;
  if (!error.ok()) return;
  xdr::Decoder d(results);
  if (!decode(d, reply.value) || !d.expect_end()) {
    reply.error.code = Errc::cant_decode_reply;
  }
}

inline void decode_into(Reply<void>& reply, const Error& error, std::span<const std::byte> results, std::uint32_t xid) {
  reply.error = error;
  reply.xid = xid;
  // A void result is no bytes; anything more is not what the contract says.
  if (error.ok() && !results.empty()) reply.error.code = Errc::cant_decode_reply;
}

}  // namespace detail

/// The Callback a stub gives Client::call: decodes the results into a Reply<T> for `done`.
template <class T>
Callback typed_callback(ReplyCallback<T> done, ResultDecoder<T> decode) {
  return [done = std::move(done), decode](const CallResult& r) {
    Reply<T> reply;
    detail::decode_into(reply, r.error, r.results, r.xid, decode);
    if (done) done(reply);
  };
}

inline Callback typed_callback(ReplyCallback<void> done) {
  return [done = std::move(done)](const CallResult& r) {
    Reply<void> reply;
    detail::decode_into(reply, r.error, r.results, r.xid);
    if (done) done(reply);
  };
}

/// A blocking call (Client::call_sync) whose results decode into a Reply<T>.
template <class T>
Reply<T> typed_call_sync(Client& client, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc, ArgsWriter args,
                         const CallOptions& options, ResultDecoder<T> decode) {
  Result r = client.call_sync(prog, vers, proc, args, options);
  Reply<T> reply;
  reply.bytes = std::move(r.results);
  detail::decode_into(reply, r.error, reply.bytes, r.xid, decode);
  return reply;
}

inline Reply<void> typed_call_sync(Client& client, std::uint32_t prog, std::uint32_t vers, std::uint32_t proc,
                                   ArgsWriter args, const CallOptions& options) {
  const Result r = client.call_sync(prog, vers, proc, args, options);
  Reply<void> reply;
  detail::decode_into(reply, r.error, r.results, r.xid);
  return reply;
}

}  // namespace nelson::client
