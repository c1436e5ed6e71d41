// Helpers the gen tests share: where their files are, reading them, running nelson-gen.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace nelson::gen::test {

inline std::filesystem::path test_dir() { return NELSON_GEN_TEST_DIR; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Every `*.x` in a directory, sorted, so test order and failure messages are stable.
inline std::vector<std::filesystem::path> contracts_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".x") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Removes every "dir/" from `text`: golden files name contracts by their file name only.
inline std::string strip_dir(std::string text, const std::filesystem::path& dir) {
  const std::string prefix = dir.string() + "/";
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.erase(at, prefix.size());
  }
  return text;
}

}  // namespace nelson::gen::test
