#include "xdr/error.hpp"

namespace nelson::xdr {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::truncated: return "truncated input";
    case Errc::length_exceeds_max: return "length exceeds maximum";
    case Errc::length_exceeds_input: return "length exceeds remaining input";
    case Errc::nonzero_padding: return "non-zero padding";
    case Errc::bad_bool: return "bool neither 0 nor 1";
    case Errc::bad_discriminant: return "bad union discriminant or enum value";
    case Errc::no_space: return "output full";
    case Errc::too_deep: return "nesting or chain limit exceeded";
    case Errc::trailing_bytes: return "trailing bytes";
  }
  return "unknown error";
}

std::string Error::message() const {
  std::string text(to_string(code));
  if (code != Errc::ok) {
    text += " at byte ";
    text += std::to_string(offset);
  }
  return text;
}

}  // namespace nelson::xdr
