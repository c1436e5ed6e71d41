// xdr::EncodeRef — a callable that encodes into an Encoder, passed without allocation (a
// non-owning function_ref): how a server handler hands its results, and a client its
// arguments, to the code that owns the output buffer. The callable must outlive the call.
#pragma once

#include "xdr/encoder.hpp"

namespace nelson::xdr {

class EncodeRef {
 public:
  EncodeRef() noexcept = default;  // encodes nothing (void results or arguments)
  template <class F>
  EncodeRef(const F& f) noexcept  // NOLINT(google-explicit-constructor): a function_ref
      : context_(&f), call_([](const void* c, Encoder& e) { (*static_cast<const F*>(c))(e); }) {}
  void operator()(Encoder& e) const {
    if (call_ != nullptr) call_(context_, e);
  }

 private:
  const void* context_ = nullptr;
  void (*call_)(const void*, Encoder&) = nullptr;
};

}  // namespace nelson::xdr
