#include "gen/parser.hpp"

#include <string>
#include <utility>

namespace nelson::gen {

namespace {

// Where a declaration appears decides whether `void` is allowed.
enum class DeclarationContext : std::uint8_t { member, union_arm, typedef_, discriminant };

class Parser {
 public:
  Parser(Lexer& lexer, Diagnostics& diagnostics) : lexer_(lexer), diagnostics_(diagnostics) { advance(); }

  ParseResult run() {
    ParseResult result;
    auto& definitions = result.specification.definitions;
    while (tok_.kind != TokenKind::end && !diagnostics_.full()) {
      brace_depth_ = 0;
      std::optional<Definition> definition = parse_definition();
      if (!definition) {
        recover();
        flush_passthrough(definitions, pending_.size());
        continue;
      }
      // '%' lines read with the token after the definition come after it.
      flush_passthrough(definitions, pending_before_lookahead_);
      definitions.push_back(std::move(*definition));
    }
    flush_passthrough(definitions, pending_.size());
    result.syntax_ok = syntax_errors_ == 0;
    return result;
  }

 private:
  // --- tokens ---------------------------------------------------------------------------
  void advance() {
    if (tok_.kind == TokenKind::lbrace) ++brace_depth_;
    if (tok_.kind == TokenKind::rbrace) --brace_depth_;
    pending_before_lookahead_ = pending_.size();
    for (;;) {
      tok_ = lexer_.next();
      if (tok_.kind != TokenKind::passthrough) return;
      pending_.push_back(Passthrough{tok_.location, std::string(tok_.text)});
    }
  }

  bool accept(TokenKind kind) {
    if (tok_.kind != kind) return false;
    advance();
    return true;
  }

  std::string found() const {
    switch (tok_.kind) {
      case TokenKind::end: return "end of file";
      case TokenKind::identifier:
      case TokenKind::number: return quoted(tok_.text);
      default: return std::string(describe(tok_.kind));
    }
  }

  // Reports a syntax error at the current token; always returns false so callers can
  // `return syntax_error(...)`.
  bool syntax_error(const std::string& message) {
    ++syntax_errors_;
    diagnostics_.error(tok_.location, message);
    return false;
  }

  // At the end of the file inside braces: say which '{' is still open.
  bool unclosed(Location open) {
    syntax_error("expected '}', found end of file");
    diagnostics_.note(open, "to match this '{'");
    return false;
  }

  bool expected(std::string_view what) {
    std::string message = "expected ";
    message += what;
    message += ", found ";
    message += found();
    return syntax_error(message);
  }

  bool expect(TokenKind kind) {
    if (accept(kind)) return true;
    return expected(describe(kind));
  }

  bool expect_identifier(std::string& name, Location& where, std::string_view what) {
    if (tok_.kind != TokenKind::identifier) return expected(what);
    name = std::string(tok_.text);
    where = tok_.location;
    advance();
    return true;
  }

  // Skips the rest of a broken definition: to the next ';' outside braces (consumed), or to
  // the next keyword that starts a definition outside braces (kept).
  void recover() {
    while (tok_.kind != TokenKind::end) {
      if (brace_depth_ <= 0) {
        if (tok_.kind == TokenKind::semicolon) {
          advance();
          return;
        }
        // Every definition consumed its keyword before failing, so stopping here progresses.
        if (starts_definition(tok_.kind)) return;
      }
      advance();
    }
  }

  static bool starts_definition(TokenKind k) {
    return k == TokenKind::kw_const || k == TokenKind::kw_typedef || k == TokenKind::kw_enum ||
           k == TokenKind::kw_struct || k == TokenKind::kw_union || k == TokenKind::kw_program;
  }

  // Moves the first `count` pending '%' lines to the output.
  void flush_passthrough(std::vector<Definition>& out, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) out.emplace_back(std::move(pending_[i]));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(count));
  }

  // --- definitions ----------------------------------------------------------------------
  std::optional<Definition> parse_definition() {
    switch (tok_.kind) {
      case TokenKind::kw_const: return wrap(parse_const());
      case TokenKind::kw_typedef: return wrap(parse_typedef());
      case TokenKind::kw_enum: return wrap(parse_enum_definition());
      case TokenKind::kw_struct: return wrap(parse_struct_definition());
      case TokenKind::kw_union: return wrap(parse_union_definition());
      case TokenKind::kw_program: return wrap(parse_program());
      default: expected("a definition (const, enum, struct, union, typedef or program)"); return std::nullopt;
    }
  }

  template <class T>
  static std::optional<Definition> wrap(std::optional<T> t) {
    if (!t) return std::nullopt;
    return Definition(std::move(*t));
  }

  std::optional<ConstDef> parse_const() {
    advance();  // const
    ConstDef c;
    if (!expect_identifier(c.name, c.location, "a constant name") || !expect(TokenKind::equals)) return std::nullopt;
    if (tok_.kind == TokenKind::string) {
      c.value.location = tok_.location;
      c.string = std::string(tok_.text);
      advance();
    } else if (!parse_value(c.value)) {
      return std::nullopt;
    }
    if (!expect(TokenKind::semicolon)) return std::nullopt;
    return c;
  }

  std::optional<TypedefDef> parse_typedef() {
    TypedefDef t;
    t.location = tok_.location;
    advance();  // typedef
    if (!parse_declaration(t.declaration, DeclarationContext::typedef_) || !expect(TokenKind::semicolon)) {
      return std::nullopt;
    }
    return t;
  }

  std::optional<EnumDef> parse_enum_definition() {
    advance();  // enum
    EnumDef e;
    if (!expect_identifier(e.name, e.location, "an enum name") || !nested([&] { return parse_enum_body(e.body); }) ||
        !expect(TokenKind::semicolon)) {
      return std::nullopt;
    }
    return e;
  }

  std::optional<StructDef> parse_struct_definition() {
    advance();  // struct
    StructDef s;
    if (!expect_identifier(s.name, s.location, "a struct name") || !nested([&] { return parse_struct_body(s.body); }) ||
        !expect(TokenKind::semicolon)) {
      return std::nullopt;
    }
    return s;
  }

  std::optional<UnionDef> parse_union_definition() {
    advance();  // union
    UnionDef u;
    if (!expect_identifier(u.name, u.location, "a union name") || !nested([&] { return parse_union_body(u.body); }) ||
        !expect(TokenKind::semicolon)) {
      return std::nullopt;
    }
    return u;
  }

  std::optional<Program> parse_program() {
    advance();  // program
    Program p;
    if (!expect_identifier(p.name, p.location, "a program name")) return std::nullopt;
    const Location program_open = tok_.location;
    if (!expect(TokenKind::lbrace)) return std::nullopt;
    do {
      Version v;
      if (tok_.kind == TokenKind::end) {
        unclosed(program_open);
        return std::nullopt;
      }
      if (tok_.kind != TokenKind::kw_version) {
        expected(p.versions.empty() ? "'version'" : "'version' or '}'");
        return std::nullopt;
      }
      advance();
      if (!expect_identifier(v.name, v.location, "a version name")) return std::nullopt;
      const Location version_open = tok_.location;
      if (!expect(TokenKind::lbrace)) return std::nullopt;
      do {
        Procedure proc;
        if (tok_.kind == TokenKind::end) {
          unclosed(version_open);
          return std::nullopt;
        }
        if (!parse_procedure(proc)) return std::nullopt;
        v.procedures.push_back(std::move(proc));
      } while (tok_.kind != TokenKind::rbrace);
      advance();  // }
      if (!expect(TokenKind::equals) || !parse_value(v.number) || !expect(TokenKind::semicolon)) return std::nullopt;
      p.versions.push_back(std::move(v));
    } while (tok_.kind != TokenKind::rbrace);
    advance();  // }
    if (!expect(TokenKind::equals) || !parse_value(p.number) || !expect(TokenKind::semicolon)) return std::nullopt;
    return p;
  }

  bool parse_procedure(Procedure& proc) {
    if (!parse_result_or_argument(proc.result, "a procedure result type")) return false;
    if (!expect_identifier(proc.name, proc.location, "a procedure name") || !expect(TokenKind::lparen)) return false;
    TypeSpec first;
    if (!parse_result_or_argument(first, "an argument type")) return false;
    if (first.builtin != Builtin::void_ || first.kind != TypeSpec::Kind::builtin) {
      proc.arguments.push_back(std::move(first));
      while (accept(TokenKind::comma)) {
        TypeSpec arg;
        if (tok_.kind == TokenKind::kw_void) return syntax_error("'void' must be the only argument");
        if (!parse_result_or_argument(arg, "an argument type")) return false;
        proc.arguments.push_back(std::move(arg));
      }
    } else if (tok_.kind == TokenKind::comma) {
      return syntax_error("'void' must be the only argument");
    }
    return expect(TokenKind::rparen) && expect(TokenKind::equals) && parse_value(proc.number) &&
           expect(TokenKind::semicolon);
  }

  bool parse_result_or_argument(TypeSpec& type, std::string_view what) {
    // `void`, and as rpcgen accepts, a bare `string`: a string of any length (rpcgen's C passes
    // it as char * through xdr_wrapstring). Other arguments and results are type specifiers.
    if (tok_.kind == TokenKind::kw_void || tok_.kind == TokenKind::kw_string) {
      type.location = tok_.location;
      type.kind = TypeSpec::Kind::builtin;
      type.builtin = tok_.kind == TokenKind::kw_void ? Builtin::void_ : Builtin::string;
      advance();
      return true;
    }
    return parse_type_spec(type, what);
  }

  // --- bodies ---------------------------------------------------------------------------
  // Runs `parse_body` one nesting level deeper, refusing past kMaxNestingDepth.
  template <class F>
  bool nested(F parse_body) {
    if (depth_ >= kMaxNestingDepth) {
      return syntax_error("types nested more than " + std::to_string(kMaxNestingDepth) + " levels deep");
    }
    ++depth_;
    const bool ok = parse_body();
    --depth_;
    return ok;
  }

  bool parse_enum_body(EnumBody& body) {
    const Location open = tok_.location;
    if (!expect(TokenKind::lbrace)) return false;
    do {
      Enumerator e;
      if (!expect_identifier(e.name, e.location, "an enumerator name")) return false;
      if (accept(TokenKind::equals)) {
        e.value.emplace();
        if (!parse_value(*e.value)) return false;
      }
      body.enumerators.push_back(std::move(e));
    } while (accept(TokenKind::comma));
    if (tok_.kind == TokenKind::end) return unclosed(open);
    return expect(TokenKind::rbrace);
  }

  bool parse_struct_body(StructBody& body) {
    const Location open = tok_.location;
    if (!expect(TokenKind::lbrace)) return false;
    if (tok_.kind == TokenKind::rbrace) return syntax_error("a struct needs at least one member");
    while (tok_.kind != TokenKind::rbrace) {
      if (tok_.kind == TokenKind::end) return unclosed(open);
      Declaration d;
      if (!parse_declaration(d, DeclarationContext::member) || !expect(TokenKind::semicolon)) return false;
      body.members.push_back(std::move(d));
    }
    advance();  // }
    return true;
  }

  bool parse_union_body(UnionBody& body) {
    if (!expect(TokenKind::kw_switch) || !expect(TokenKind::lparen) ||
        !parse_declaration(body.discriminant, DeclarationContext::discriminant) || !expect(TokenKind::rparen)) {
      return false;
    }
    const Location open = tok_.location;
    if (!expect(TokenKind::lbrace)) return false;
    while (tok_.kind == TokenKind::kw_case || tok_.kind == TokenKind::kw_default) {
      if (tok_.kind == TokenKind::kw_default) {
        const Location where = tok_.location;
        advance();
        Declaration d;
        if (!expect(TokenKind::colon) || !parse_declaration(d, DeclarationContext::union_arm) ||
            !expect(TokenKind::semicolon)) {
          return false;
        }
        if (body.default_arm) {
          diagnostics_.error(where, "a union can have only one 'default'");
          diagnostics_.note(body.default_location, "the first 'default' is here");
          continue;
        }
        body.default_arm = std::move(d);
        body.default_location = where;
        continue;
      }
      UnionArm arm;
      arm.location = tok_.location;
      while (accept(TokenKind::kw_case)) {
        Value label;
        if (!parse_value(label) || !expect(TokenKind::colon)) return false;
        arm.labels.push_back(std::move(label));
      }
      if (!parse_declaration(arm.declaration, DeclarationContext::union_arm) || !expect(TokenKind::semicolon)) {
        return false;
      }
      body.arms.push_back(std::move(arm));
    }
    if (tok_.kind == TokenKind::end) return unclosed(open);
    if (tok_.kind != TokenKind::rbrace) return expected(body.arms.empty() ? "'case'" : "'case', 'default' or '}'");
    if (body.arms.empty()) diagnostics_.error(tok_.location, "a union needs at least one 'case'");
    advance();  // }
    return true;
  }

  // --- declarations and types -----------------------------------------------------------
  bool parse_declaration(Declaration& d, DeclarationContext context) {
    if (tok_.kind == TokenKind::kw_void) {
      d.kind = Declaration::Kind::void_;
      d.location = tok_.location;
      d.type.location = tok_.location;
      d.type.builtin = Builtin::void_;
      if (context != DeclarationContext::union_arm) return syntax_error("'void' is allowed only as a union arm");
      advance();
      return true;
    }
    if (tok_.kind == TokenKind::kw_opaque || tok_.kind == TokenKind::kw_string) {
      const bool is_string = tok_.kind == TokenKind::kw_string;
      d.type.location = tok_.location;
      d.type.builtin = is_string ? Builtin::string : Builtin::opaque;
      advance();
      if (!expect_identifier(d.name, d.location, "a name")) return false;
      if (!is_string && accept(TokenKind::lbracket)) {
        d.kind = Declaration::Kind::fixed_array;
        d.size.emplace();
        return parse_value(*d.size) && expect(TokenKind::rbracket);
      }
      if (tok_.kind != TokenKind::langle) {
        return expected(is_string ? "'<' (a string has a variable length)" : "'[' or '<' after an opaque name");
      }
      return parse_variable_length(d);
    }
    if (!parse_type_spec(d.type)) return false;
    if (accept(TokenKind::star)) {
      d.kind = Declaration::Kind::optional;
      return expect_identifier(d.name, d.location, "a name");
    }
    if (!expect_identifier(d.name, d.location, "a name")) return false;
    if (accept(TokenKind::lbracket)) {
      d.kind = Declaration::Kind::fixed_array;
      d.size.emplace();
      return parse_value(*d.size) && expect(TokenKind::rbracket);
    }
    if (tok_.kind == TokenKind::langle) return parse_variable_length(d);
    d.kind = Declaration::Kind::scalar;
    return true;
  }

  bool parse_variable_length(Declaration& d) {
    advance();  // <
    d.kind = Declaration::Kind::variable_array;
    if (accept(TokenKind::rangle)) return true;
    d.size.emplace();
    return parse_value(*d.size) && expect(TokenKind::rangle);
  }

  bool parse_type_spec(TypeSpec& t, std::string_view what = "a type") {
    t.location = tok_.location;
    t.kind = TypeSpec::Kind::builtin;
    switch (tok_.kind) {
      case TokenKind::kw_unsigned:
        advance();
        t.builtin = Builtin::unsigned_int;  // `unsigned` alone is unsigned int
        if (const auto u = unsigned_form(tok_.kind)) {
          t.builtin = *u;
          advance();
        }
        return true;
      case TokenKind::kw_int: t.builtin = Builtin::int_; break;
      case TokenKind::kw_hyper: t.builtin = Builtin::hyper; break;
      case TokenKind::kw_float: t.builtin = Builtin::float_; break;
      case TokenKind::kw_double: t.builtin = Builtin::double_; break;
      case TokenKind::kw_quadruple: t.builtin = Builtin::quadruple; break;
      case TokenKind::kw_bool: t.builtin = Builtin::bool_; break;
      case TokenKind::kw_char: t.builtin = Builtin::char_; break;
      case TokenKind::kw_short: t.builtin = Builtin::short_; break;
      case TokenKind::kw_long: t.builtin = Builtin::long_; break;
      case TokenKind::identifier:
        t.kind = TypeSpec::Kind::named;
        t.name = std::string(tok_.text);
        break;
      case TokenKind::kw_enum:
        advance();
        if (tok_.kind != TokenKind::lbrace) return parse_tagged_name(t, "an enum name or '{'");
        t.kind = TypeSpec::Kind::inline_enum;
        t.enum_body = std::make_unique<EnumBody>();
        return nested([&] { return parse_enum_body(*t.enum_body); });
      case TokenKind::kw_struct:
        advance();
        if (tok_.kind != TokenKind::lbrace) return parse_tagged_name(t, "a struct name or '{'");
        t.kind = TypeSpec::Kind::inline_struct;
        t.struct_body = std::make_unique<StructBody>();
        return nested([&] { return parse_struct_body(*t.struct_body); });
      case TokenKind::kw_union:
        advance();
        if (tok_.kind != TokenKind::kw_switch) return parse_tagged_name(t, "a union name or 'switch'");
        t.kind = TypeSpec::Kind::inline_union;
        t.union_body = std::make_unique<UnionBody>();
        return nested([&] { return parse_union_body(*t.union_body); });
      default: return expected(what);
    }
    advance();
    return true;
  }

  static std::optional<Builtin> unsigned_form(TokenKind k) {
    switch (k) {
      case TokenKind::kw_int: return Builtin::unsigned_int;
      case TokenKind::kw_hyper: return Builtin::unsigned_hyper;
      case TokenKind::kw_char: return Builtin::unsigned_char;
      case TokenKind::kw_short: return Builtin::unsigned_short;
      case TokenKind::kw_long: return Builtin::unsigned_long;
      default: return std::nullopt;
    }
  }

  // `struct name`, `enum name`, `union name`: rpcgen's way of naming a defined type.
  bool parse_tagged_name(TypeSpec& t, std::string_view what) {
    t.kind = TypeSpec::Kind::named;
    Location ignored;
    return expect_identifier(t.name, ignored, what);
  }

  // --- values ---------------------------------------------------------------------------
  bool parse_value(Value& v) {
    v.location = tok_.location;
    if (tok_.kind == TokenKind::identifier) {
      v.name = std::string(tok_.text);
      advance();
      return true;
    }
    if (tok_.kind != TokenKind::number) return expected("a number or a constant name");
    if (!parse_integer(tok_.text, v.literal)) {
      // The grammar is intact, so the tree stays whole; only this value is wrong.
      diagnostics_.error(tok_.location, "invalid integer constant " + quoted(tok_.text));
    }
    advance();
    return true;
  }

  Lexer& lexer_;
  Diagnostics& diagnostics_;
  Token tok_;
  std::vector<Passthrough> pending_;          // '%' lines met since the last definition was stored
  std::size_t pending_before_lookahead_ = 0;  // how many of them came before the current token
  int depth_ = 0;                             // nesting of type bodies, against kMaxNestingDepth
  int brace_depth_ = 0;                       // '{' minus '}' consumed in this definition, for recover()
  std::size_t syntax_errors_ = 0;
};

}  // namespace

ParseResult parse(Lexer& lexer, Diagnostics& diagnostics) { return Parser(lexer, diagnostics).run(); }

}  // namespace nelson::gen
