#include "eql/ast.hpp"

#include "core/dynamic.hpp"

namespace rulelab::eql {
namespace {

const char* op_text(Op op) {
  switch (op) {
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::Mod: return "%";
    case Op::Seq: return ":";
    case Op::Like: return "like";
    case Op::Regex: return "regex";
    case Op::None: return "";
  }
  return "";
}

std::string literal_text(const Value& v) {
  if (v.kind == Value::Kind::String) {
    std::string out;
    write_json_string(v.s, out);
    return out;
  }
  return to_text(v);
}

void range_json(const SourceRange& r, std::string& out) {
  out += "\"range\":[" + std::to_string(r.begin) + "," + std::to_string(r.end) + "]";
}

void expr_json(const Expr& e, std::string& out) {
  static constexpr const char* kinds[] = {"literal", "field", "not", "and", "or", "compare", "arith", "neg", "in", "match", "call"};
  out += "{\"kind\":\"";
  out += kinds[static_cast<int>(e.kind)];
  out += "\",";
  range_json(e.range, out);
  if (e.op != Op::None) out += std::string(",\"op\":\"") + op_text(e.op) + "\"";
  if (e.kind == ExprKind::Literal) out += ",\"value\":" + to_json_text(e.value);
  if (!e.name.empty()) {
    out += ",\"name\":";
    write_json_string(e.name, out);
  }
  if (e.optional) out += ",\"optional\":true";
  if (e.negated) out += ",\"negated\":true";
  if (e.insensitive) out += ",\"insensitive\":true";
  if (!e.args.empty()) {
    out += ",\"args\":[";
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      if (i) out += ',';
      expr_json(*e.args[i], out);
    }
    out += ']';
  }
  out += '}';
}

void filter_json(const EventFilter& f, std::string& out) {
  out += "{\"category\":";
  write_json_string(f.category.empty() ? "any" : f.category, out);
  out += ",";
  range_json(f.range, out);
  out += ",\"condition\":";
  if (f.condition) expr_json(*f.condition, out);
  else out += "null";
  out += '}';
}

void keys_json(const std::vector<ExprPtr>& keys, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    expr_json(*keys[i], out);
  }
  out += ']';
}

void stage_json(const Stage& s, std::string& out) {
  out += "{\"filter\":";
  filter_json(s.filter, out);
  out += ",\"keys\":";
  keys_json(s.keys, out);
  if (s.missing) out += ",\"missing\":true";
  if (s.runs != 1) out += ",\"runs\":" + std::to_string(s.runs);
  out += '}';
}

}  // namespace

std::string to_string(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: return literal_text(e.value);
    case ExprKind::Field: {
      std::string n = e.optional ? "?" : "";
      return n + e.name;
    }
    case ExprKind::Not: return "not " + to_string(*e.args[0]);
    case ExprKind::And: return "(" + to_string(*e.args[0]) + " and " + to_string(*e.args[1]) + ")";
    case ExprKind::Or: return "(" + to_string(*e.args[0]) + " or " + to_string(*e.args[1]) + ")";
    case ExprKind::Compare:
    case ExprKind::Arith: return "(" + to_string(*e.args[0]) + " " + op_text(e.op) + " " + to_string(*e.args[1]) + ")";
    case ExprKind::Neg: return "-" + to_string(*e.args[0]);
    case ExprKind::In:
    case ExprKind::Match:
    case ExprKind::Call: {
      std::string list;
      std::size_t first = e.kind == ExprKind::Call ? 0 : 1;
      for (std::size_t i = first; i < e.args.size(); ++i) {
        if (i > first) list += ", ";
        list += to_string(*e.args[i]);
      }
      std::string tilde = e.insensitive && !(e.kind == ExprKind::Match && e.op == Op::Seq) ? "~" : "";
      if (e.kind == ExprKind::Call) return e.name + tilde + "(" + list + ")";
      std::string op = e.kind == ExprKind::In ? (e.negated ? "not in" : "in") : op_text(e.op);
      return to_string(*e.args[0]) + " " + op + tilde + " (" + list + ")";
    }
  }
  return {};
}

std::string to_json(const Query& q) {
  std::string out = "{\"type\":\"";
  out += q.kind == QueryKind::Event ? "event" : q.kind == QueryKind::Sequence ? "sequence" : "sample";
  out += "\",";
  range_json(q.range, out);
  if (q.kind == QueryKind::Event) {
    out += ",\"event\":";
    filter_json(q.event, out);
  } else {
    out += ",\"by\":";
    keys_json(q.shared_keys, out);
    if (q.maxspan_nanos) out += ",\"maxspan_ms\":" + std::to_string(*q.maxspan_nanos / 1'000'000);
    out += ",\"stages\":[";
    for (std::size_t i = 0; i < q.stages.size(); ++i) {
      if (i) out += ',';
      stage_json(q.stages[i], out);
    }
    out += ']';
    if (q.until) {
      out += ",\"until\":";
      stage_json(*q.until, out);
    }
  }
  out += ",\"pipes\":[";
  for (std::size_t i = 0; i < q.pipes.size(); ++i) {
    if (i) out += ',';
    out += "{\"name\":\"" + q.pipes[i].name + "\",\"count\":" + std::to_string(q.pipes[i].count) + "}";
  }
  out += "]}";
  return out;
}

}  // namespace rulelab::eql
