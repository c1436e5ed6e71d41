// A scripted RPC peer for the client's stream tests: a core::Listener on the test's loop that
// splits each connection's bytes into records, decodes the call headers and hands them to the
// test, which answers (in as many fragments as it likes), stays silent, or resets the
// connection. What nelson's own server would never do on purpose is what these tests need.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <vector>

#include "core/loop.hpp"
#include "rpc/message.hpp"
#include "rpc/record_reader.hpp"
#include "rpc/record_writer.hpp"

namespace nelson::client::test {

class FakeStreamServer {
 public:
  /// One accepted connection.
  struct Conn {
    core::Stream* stream = nullptr;
    std::size_t index = 0;            // 0 for the first connection accepted, then 1, ...
    std::vector<std::uint32_t> xids;  // of the calls received, in order
    std::optional<rpc::RecordReader> reader;
    bool closed = false;

    /// Closes with an RST (SO_LINGER {1, 0}) instead of a FIN.
    void reset() {
      const linger abort_on_close{1, 0};
      ::setsockopt(stream->fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
      close();
    }
    void close() {
      if (!closed) stream->close();
      closed = true;
    }
  };
  /// A call arrived on `conn`; `args` is positioned at its arguments.
  using OnCall = std::function<void(Conn& conn, const rpc::CallHeader& call, xdr::Decoder& args)>;

  FakeStreamServer(core::Loop& loop, const core::Endpoint& where, OnCall on_call)
      : loop_(&loop), on_call_(std::move(on_call)) {
    auto listener = loop.listen(where);
    if (!listener) {
      ADD_FAILURE() << listener.error().message;
      return;
    }
    listener_ = *listener;
    listener_->on_accept = [this](core::Stream& s) { accept(s); };
  }
  ~FakeStreamServer() { stop(); }
  FakeStreamServer(const FakeStreamServer&) = delete;
  FakeStreamServer& operator=(const FakeStreamServer&) = delete;

  /// Stops listening and closes every connection.
  void stop() {
    if (listener_ != nullptr) listener_->close();
    listener_ = nullptr;
    for (auto& c : conns_) c->close();
  }

  /// Answers `xid` with SUCCESS and `results`, cut into fragments of at most `max_fragment`.
  template <class Results>
  void reply(Conn& conn, std::uint32_t xid, Results&& results, std::size_t max_fragment = rpc::kMaxFragmentLength) {
    send(
        conn,
        [&](xdr::Encoder& e) {
          rpc::encode_success_reply(e, xid, rpc::kNullAuth);
          results(e);
        },
        max_fragment);
  }
  /// Sends one record that `message` encodes (any reply, well-formed or not).
  template <class Message>
  void send(Conn& conn, Message&& message, std::size_t max_fragment = rpc::kMaxFragmentLength) {
    if (conn.closed) return;
    rpc::RecordWriter writer(loop_->pool(), {max_fragment});
    core::Chain out;
    const rpc::WriteResult w = writer.write(out, message);
    ASSERT_TRUE(w.ok()) << w.message();
    conn.stream->write(std::move(out));
  }

  [[nodiscard]] const core::Endpoint& endpoint() const { return listener_->endpoint(); }
  [[nodiscard]] std::size_t connections() const { return conns_.size(); }
  [[nodiscard]] Conn& conn(std::size_t i) { return *conns_.at(i); }

 private:
  void accept(core::Stream& s) {
    auto& c = *conns_.emplace_back(std::make_unique<Conn>());
    c.stream = &s;
    c.index = conns_.size() - 1;
    c.reader.emplace(loop_->pool(), rpc::RecordReaderLimits{std::size_t{4} << 20, 65536});
    s.on_data = [this, &c](core::Stream&, const core::Slice& bytes) {
      c.reader->feed(bytes);
      rpc::Record record;
      while (!c.closed) {
        const rpc::ReadStatus status = c.reader->next(record);
        if (status == rpc::ReadStatus::need_more) break;
        ASSERT_NE(status, rpc::ReadStatus::error) << c.reader->error().message();
        xdr::Decoder d(record.bytes());
        rpc::CallHeader call;
        ASSERT_TRUE(rpc::decode_call(d, call).ok());
        c.xids.push_back(call.xid);
        on_call_(c, call, d);
      }
    };
    s.on_eof = [&c](core::Stream&) { c.close(); };
    s.on_error = [&c](core::Stream&, int) { c.closed = true; };
    s.start_reading();
  }

  core::Loop* loop_;
  OnCall on_call_;
  core::Listener* listener_ = nullptr;
  std::vector<std::unique_ptr<Conn>> conns_;
};

}  // namespace nelson::client::test
