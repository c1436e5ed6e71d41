// Helpers shared by the rpc message tests: bytes from hex text, as in the RFC's layouts.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace nelson::rpc::test {

/// "0000 0001 ff" -> {0x00, 0x00, 0x00, 0x01, 0xff}; spaces are for the reader only.
inline std::vector<std::byte> from_hex(std::string_view text) {
  auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::vector<std::byte> out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    if (high < 0) {
      high = digit(c);
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + digit(c)));
      high = -1;
    }
  }
  return out;
}

}  // namespace nelson::rpc::test
