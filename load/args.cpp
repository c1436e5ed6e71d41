#include "load/args.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

namespace nelson::load {

bool PreparedArgs::matches(std::span<const std::byte> results) const noexcept {
  return results.size() == expected.size() && std::memcmp(results.data(), expected.data(), expected.size()) == 0;
}

namespace {

std::vector<std::byte> encode(std::size_t size_hint, const auto& body) {
  std::vector<std::byte> out(size_hint);
  xdr::Encoder e{std::span<std::byte>(out)};
  body(e);
  out.resize(e.ok() ? e.written().size() : 0);
  return out;
}

}  // namespace

core::Result<PreparedArgs> prepare_args(const ArgsSpec& spec, Check check) {
  PreparedArgs p;
  switch (spec.kind) {
    case ArgsSpec::Kind::void_args: break;
    case ArgsSpec::Kind::opaque: {
      std::vector<std::byte> data(spec.count);
      if (spec.fill == ArgsSpec::Fill::random) {
        std::mt19937_64 random{std::random_device{}()};
        std::generate(data.begin(), data.end(), [&] { return static_cast<std::byte>(random()); });
      } else {
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 31 + 7);
      }
      p.bytes = encode(8 + spec.count, [&](xdr::Encoder& e) { e.put_opaque(data); });
      if (check == Check::echo) p.expected = p.bytes;  // ECHO returns the same opaque<>
      break;
    }
    case ArgsSpec::Kind::ints: {
      std::vector<std::int32_t> values(spec.count);
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < values.size(); ++i) sum += values[i] = int_value(i);
      p.bytes =
          encode(4 + 4 * spec.count, [&](xdr::Encoder& e) { e.put_array(std::span<const std::int32_t>(values)); });
      if (check == Check::sum) p.expected = encode(8, [&](xdr::Encoder& e) { e.put_hyper(sum); });
      break;
    }
    case ArgsSpec::Kind::file: {
      std::ifstream in(spec.path, std::ios::binary);
      if (!in) return core::Error{errno, spec.path + ": " + std::strerror(errno)};
      std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (raw.size() % 4 != 0) {
        return core::Error{
            0, spec.path + ": " + std::to_string(raw.size()) + " bytes is not whole XDR units (a multiple of 4)"};
      }
      p.bytes.resize(raw.size());
      std::memcpy(p.bytes.data(), raw.data(), raw.size());
      break;
    }
  }
  return p;
}

}  // namespace nelson::load
