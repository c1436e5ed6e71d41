#include "xdr/decoder.hpp"

namespace nelson::xdr {

bool Decoder::fail_at(const std::byte* at, Errc code) noexcept {
  if (error_.code == Errc::ok) error_ = Error{code, static_cast<std::size_t>(at - begin_)};
  // Nothing more can be read: every later get fails without touching the input.
  cur_ = end_;
  return false;
}

}  // namespace nelson::xdr
