#include "gen/macro.hpp"

#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>

#include "gen/lexer.hpp"

namespace nelson::gen {

namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Precedence climbing over a string_view; every step checks for overflow.
class Evaluator {
 public:
  Evaluator(std::string_view text, const std::function<std::optional<std::int64_t>(std::string_view)>& lookup)
      : rest_(text), lookup_(lookup) {}

  std::optional<std::int64_t> run() {
    auto v = binary(0);
    skip();
    // A trailing comment is fine; anything else means this is not an integer macro.
    if (!rest_.empty() && !rest_.starts_with("/*") && !rest_.starts_with("//")) return std::nullopt;
    return v;
  }

 private:
  static constexpr int kMaxDepth = 32;  // parentheses and unary operators

  void skip() {
    while (!rest_.empty() && is_blank(rest_.front())) rest_.remove_prefix(1);
  }

  // The operator at the front and its precedence (higher binds tighter), or 0.
  int peek_operator(std::string_view& op) {
    skip();
    static constexpr std::string_view kOps[] = {"<<", ">>", "*", "/", "%", "+", "-", "&", "^", "|"};
    static constexpr int kPrecedence[] = {4, 4, 6, 6, 6, 5, 5, 3, 2, 1};
    for (std::size_t i = 0; i < std::size(kOps); ++i) {
      if (rest_.starts_with(kOps[i]) && !rest_.starts_with("//") && !rest_.starts_with("/*")) {
        op = kOps[i];
        return kPrecedence[i];
      }
    }
    return 0;
  }

  std::optional<std::int64_t> binary(int min_precedence) {
    auto left = unary();
    std::string_view op;
    for (int p = peek_operator(op); left && p > min_precedence; p = peek_operator(op)) {
      rest_.remove_prefix(op.size());
      const auto right = binary(p);
      if (!right) return std::nullopt;
      left = apply(op, *left, *right);
    }
    return left;
  }

  static std::optional<std::int64_t> apply(std::string_view op, std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    switch (op.front()) {
      case '*': return __builtin_mul_overflow(a, b, &r) ? std::nullopt : std::optional(r);
      case '+': return __builtin_add_overflow(a, b, &r) ? std::nullopt : std::optional(r);
      case '-': return __builtin_sub_overflow(a, b, &r) ? std::nullopt : std::optional(r);
      case '/':
      case '%':
        if (b == 0 || (a == kMin && b == -1)) return std::nullopt;
        return op == "/" ? a / b : a % b;
      case '<':
      case '>':
        if (b < 0 || b > 62 || a < 0) return std::nullopt;
        if (op == ">>") return a >> b;
        return a > (kMax >> b) ? std::nullopt : std::optional(a << b);
      case '&': return a & b;
      case '^': return a ^ b;
      case '|': return a | b;
      default: return std::nullopt;
    }
  }

  std::optional<std::int64_t> unary() {
    if (++depth_ > kMaxDepth) return std::nullopt;
    std::optional<std::int64_t> v = primary();
    --depth_;
    return v;
  }

  std::optional<std::int64_t> primary() {
    skip();
    if (rest_.empty()) return std::nullopt;
    const char c = rest_.front();
    if (c == '(') {
      rest_.remove_prefix(1);
      auto v = binary(0);
      skip();
      if (!v || !rest_.starts_with(')')) return std::nullopt;
      rest_.remove_prefix(1);
      return v;
    }
    if (c == '-' || c == '~' || c == '+') {
      rest_.remove_prefix(1);
      auto v = unary();
      if (!v || (c == '-' && *v == kMin)) return std::nullopt;
      return c == '-' ? -*v : c == '~' ? ~*v : *v;
    }
    std::size_t n = 0;
    while (n < rest_.size() && is_word(rest_[n])) ++n;
    if (n == 0) return std::nullopt;
    std::string_view word = rest_.substr(0, n);
    rest_.remove_prefix(n);
    if (std::isdigit(static_cast<unsigned char>(word.front())) != 0) {
      while (!word.empty() && (word.back() == 'u' || word.back() == 'U' || word.back() == 'l' || word.back() == 'L')) {
        word.remove_suffix(1);  // C suffixes: 1024U, 1UL
      }
      std::int64_t value = 0;
      return parse_integer(word, value) ? std::optional(value) : std::nullopt;
    }
    return lookup_(word);
  }

  std::string_view rest_;
  const std::function<std::optional<std::int64_t>(std::string_view)>& lookup_;
  int depth_ = 0;
};

}  // namespace

std::optional<Macro> parse_define(std::string_view text) {
  auto skip = [&text] {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  };
  skip();
  if (!text.starts_with('#')) return std::nullopt;
  text.remove_prefix(1);
  skip();
  if (!text.starts_with("define") || text.size() == 6 || !is_blank(text[6])) return std::nullopt;
  text.remove_prefix(6);
  skip();
  std::size_t n = 0;
  while (n < text.size() && is_word(text[n])) ++n;
  if (n == 0 || std::isdigit(static_cast<unsigned char>(text.front())) != 0) return std::nullopt;
  if (n < text.size() && text[n] == '(') return std::nullopt;  // function-like
  Macro m{std::string(text.substr(0, n)), text.substr(n)};
  return m;
}

std::optional<std::int64_t> evaluate(std::string_view body,
                                     const std::function<std::optional<std::int64_t>(std::string_view)>& lookup) {
  return Evaluator(body, lookup).run();
}

}  // namespace nelson::gen
