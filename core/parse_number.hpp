// core::parse_number: the whole of `text` as an integer (or, for floating-point T, a finite
// number), with nothing before or after it: "12", not " 12", "12s" or "". Command lines and
// environment variables go through it, so that a typo is an error and not a silent prefix.
// With Base::c_style, "0x1F" is hexadecimal (program numbers are written so).
#pragma once

#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace nelson::core {

enum class NumberBase : unsigned char { decimal, c_style };

template <class T>
[[nodiscard]] bool parse_number(std::string_view text, T& out, NumberBase base = NumberBase::decimal) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
  } else {
    int radix = 10;
    if (base == NumberBase::c_style && text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      radix = 16;
    }
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, radix);
    return ec == std::errc() && end == text.data() + text.size();
  }
}

}  // namespace nelson::core
