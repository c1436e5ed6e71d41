// rpcbind::KeyLess — the ordering of the table's and the counters' keys, (prog, vers, netid)
// tuples holding a std::string, that also takes keys holding a std::string_view: a lookup with
// a netid straight from a decoded call copies nothing. (Comparing tuple<string> with
// tuple<string_view> directly compiles with GCC's library but not with clang: spelled out.)
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace nelson::rpcbind {

struct KeyLess {
  using is_transparent = void;

  template <class T, class U>
  bool operator()(const T& a, const U& b) const noexcept {
    return views(a) < views(b);
  }

 private:
  static std::string_view view(const std::string& s) noexcept { return s; }
  static std::string_view view(std::string_view s) noexcept { return s; }
  template <class N>
  requires std::is_integral_v<N>
  static N view(N n) noexcept { return n; }
  template <class... Ts>
  static auto views(const std::tuple<Ts...>& t) noexcept {
    return std::apply([](const auto&... x) { return std::tuple(view(x)...); }, t);
  }
};

}  // namespace nelson::rpcbind
