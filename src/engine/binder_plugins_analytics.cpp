// Binding of the user-analytics evaluate plugins and dcount_intersect
// (op_plugin_user_analytics.cpp). Argument lists follow each plugin's page of the Kusto reference;
// output columns follow the pages and Microsoft's Kusto language service (the timeline column,
// then the dimensions, then the metrics).
#include <cctype>
#include <cmath>

#include "core/datetime.hpp"
#include "engine/binder.hpp"
#include "engine/functions.hpp"
#include "engine/plugins_analytics.hpp"
#include "engine/plugins_patterns.hpp"
#include "engine/sketch.hpp"

namespace rulelab::engine {

PlanPtr Binder::bind_analytics_plugin(PlanPtr in, const K::Evaluate& ev, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  const std::string& plugin = ev.plugin.name;
  const auto& args = ev.plugin.args;
  const Schema& is = in->schema;
  RowCtx rc;
  rc.schema = &is;
  RowCtx none;
  Schema empty;
  none.schema = &empty;
  auto const_arg = [&](const K::Arg& a) { return eval_const(bind_expr(*a.value, none, src, scope), a.value->range.begin, src); };
  auto pos = [&](const K::Arg& a) { return a.value->range.begin; };
  auto is_column = [&](const K::Arg& a) {
    const auto* n = a.value->as<K::Name>();
    return n && is.index_of(n->name) >= 0;
  };
  auto exact_note = [&] {
    note(src, ev.plugin_range.begin, plugin + "(): distinct counts are exact in rulelab (Kusto estimates them with HyperLogLog; equal on small data)");
  };

  if (plugin == "dcount_intersect") {
    // dcount_intersect(hll_1, hll_2, [, hll_3, ...]): 2 to 16 hll() values.
    if (args.size() < 2 || args.size() > 16) fail(src, ev.plugin_range.begin, "dcount_intersect() expects 2 to 16 hll() values");
    std::vector<ExprPtr> hlls;
    Schema out = is;
    out.table.clear();
    for (std::size_t k = 0; k < args.size(); ++k) {
      ExprPtr e = bind_expr(*args[k].value, rc, src, scope);
      if (e->type != Type::Dynamic) fail(src, pos(args[k]), "dcount_intersect: an hll() value (dynamic) is expected");
      hlls.push_back(std::move(e));
      out.fields.push_back({unique_name(out, "s" + std::to_string(k)), Type::Long});
    }
    exact_note();
    return at_site(make_dcount_intersect(std::move(in), std::move(hlls), std::move(out)), src, off, plugin);
  }

  if (plugin == "geo_polygon_lookup" || plugin == "geo_line_lookup") {
    // geo_polygon_lookup(LookupTable, LookupPolygonKey, SourceLongitude, SourceLatitude [, radius]
    //   [, return_unmatched] [, lookup_area_radius] [, return_lookup_key]);
    // geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude, SourceLatitude, Radius, ...).
    // Optional arguments by position or by name.
    const bool line = plugin == "geo_line_lookup";
    static const char* const names[] = {"radius", "return_unmatched", "lookup_area_radius", "return_lookup_key"};
    std::vector<const K::Arg*> pos_args;
    std::map<std::string, const K::Arg*> named;
    for (auto& a : args) {
      if (!a.name) {
        if (!named.empty()) fail(src, pos(a), plugin + ": a positional argument after a named one");
        pos_args.push_back(&a);
        continue;
      }
      std::string n = *a.name;
      for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (line && n == "radius") fail(src, pos(a), plugin + ": Radius is given by position (the fifth argument)");
      if (n != "radius" && n != "return_unmatched" && n != "lookup_area_radius" && n != "return_lookup_key")
        fail(src, pos(a), plugin + ": unknown argument " + *a.name);
      named[n] = &a;
    }
    if (pos_args.size() < (line ? 5u : 4u) || pos_args.size() > 8)
      fail(src, ev.plugin_range.begin, plugin + "() expects a lookup table, its " + (line ? "line" : "polygon") + " column, the longitude and latitude columns" +
                                           (line ? ", a radius" : "") + " and the optional arguments (see its page of the Kusto reference)");
    for (std::size_t k = 4; k < pos_args.size(); ++k) named[names[k - 4]] = pos_args[k];
    PlanPtr right = bind_tabular_expr_value(*pos_args[0]->value, src, scope);
    const Schema& rs = right->schema;
    GeoLookupSpec spec;
    const auto* key = pos_args[1]->value->as<K::Name>();
    if (!key) fail(src, pos(*pos_args[1]), plugin + ": the lookup key must be a column of the lookup table");
    spec.key = rs.index_of(key->name);
    if (spec.key < 0) fail_unresolved(src, pos(*pos_args[1]), plugin + ": the lookup table has no column '" + key->name + "'");
    if (rs.fields[static_cast<std::size_t>(spec.key)].type != Type::Dynamic) fail(src, pos(*pos_args[1]), plugin + ": the lookup key must be a dynamic column (GeoJSON)");
    spec.lon = bind_expr(*pos_args[2]->value, rc, src, scope);
    spec.lat = bind_expr(*pos_args[3]->value, rc, src, scope);
    for (int k = 0; k < 2; ++k) {
      const ExprPtr& e = k == 0 ? spec.lon : spec.lat;
      if (!is_numeric(e->type) && e->type != Type::Dynamic) fail(src, pos(*pos_args[2 + static_cast<std::size_t>(k)]), plugin + ": the longitude and latitude must be numbers");
    }
    auto flag = [&](const char* n) {
      auto it = named.find(n);
      if (it == named.end()) return false;
      const Value v = const_arg(*it->second);
      if (v.type != Type::Bool || v.is_null()) fail(src, pos(*it->second), plugin + ": " + n + " must be a bool");
      return v.truthy();
    };
    spec.return_unmatched = flag("return_unmatched");
    const bool return_key = flag("return_lookup_key");
    for (const char* n : {"radius", "lookup_area_radius"}) {
      auto it = named.find(n);
      if (it == named.end()) continue;
      const Value v = const_arg(*it->second);
      bool ok = false;
      const double d = v.is_null() ? -1 : number_of(v, ok);
      if (!ok || !(d >= 0) || !std::isfinite(d)) fail(src, pos(*it->second), plugin + ": " + n + " must be a number of meters (0 or more)");
      if (std::string(n) == "radius") spec.radius = d;
    }
    spec.distance = line || named.count("radius");
    const char* fn = line ? "geo_distance_point_to_line" : spec.distance ? "geo_distance_point_to_polygon" : "geo_point_in_polygon";
    spec.test = engine_.functions().find(fn);
    if (!spec.test) fail(src, ev.plugin_range.begin, std::string(fn) + " is not available", true);
    Schema out = is;
    out.table.clear();
    for (std::size_t i = 0; i < rs.fields.size(); ++i) {
      if (static_cast<int>(i) == spec.key && !return_key) continue;
      spec.right_out.push_back(static_cast<int>(i));
      out.fields.push_back({unique_name(out, rs.fields[i].name), rs.fields[i].type});
    }
    return at_site(make_geo_lookup(std::move(in), std::move(right), std::move(spec), std::move(out)), src, off, plugin);
  }

  if (plugin == "autocluster" || plugin == "diffpatterns") {
    // autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, ...]);
    // diffpatterns(SplitColumn, SplitValueA, SplitValueB [, WeightColumn, Threshold, MaxDimensions,
    // CustomWildcard, ...]); '~' keeps an argument's default.
    PatternSpec spec;
    spec.diff = plugin == "diffpatterns";
    for (auto& a : args)
      if (a.name) fail(src, pos(a), plugin + ": arguments are given by position");
    auto is_default = [&](const Value& v) { return v.type == Type::String && v.s == "~"; };
    auto number = [&](const K::Arg& a, const char* what, double lo, double hi, double& out) {
      const Value v = const_arg(a);
      if (is_default(v)) return;
      bool ok = false;
      const double d = v.is_null() ? std::nan("") : number_of(v, ok);
      if (!ok || !(d >= lo && d <= hi)) fail(src, pos(a), plugin + ": " + what + " must be a number from " + format_real(lo) + " to " + format_real(hi));
      out = d;
    };
    auto weight = [&](const K::Arg& a) {
      std::string w;
      if (const auto* n = a.value->as<K::Name>(); n && is.index_of(n->name) >= 0) w = n->name;
      else {
        const Value v = const_arg(a);
        if (!is_default(v)) w = to_kusto_string(v);
      }
      if (w.empty()) return;
      spec.weight_column = is.index_of(w);
      if (spec.weight_column < 0) fail_unresolved(src, pos(a), plugin + ": no weight column '" + w + "'");
      if (!is_numeric(is.fields[static_cast<std::size_t>(spec.weight_column)].type)) fail(src, pos(a), plugin + ": the weight column must be numeric");
    };
    std::size_t wild_from = 3;
    if (spec.diff) {
      if (args.size() < 3) fail(src, ev.plugin_range.begin, "diffpatterns() expects a split column and the two split values");
      const auto* n = args[0].value->as<K::Name>();
      if (!n) fail(src, pos(args[0]), "diffpatterns: SplitColumn must be a column name");
      spec.split_column = is.index_of(n->name);
      if (spec.split_column < 0) fail_unresolved(src, pos(args[0]), "diffpatterns: the input has no column '" + n->name + "'");
      spec.value_a = to_kusto_string(const_arg(args[1]));
      spec.value_b = to_kusto_string(const_arg(args[2]));
      if (args.size() > 3) weight(args[3]);
      if (args.size() > 4) number(args[4], "Threshold", 0.015, 1, spec.threshold);
      if (args.size() > 5) {
        double m = 0;
        number(args[5], "MaxDimensions", 1, 64, m);
        spec.max_dimensions = static_cast<int>(m);
      }
      wild_from = 6;
    } else {
      if (args.size() > 0) number(args[0], "SizeWeight", 0, 1, spec.size_weight);
      if (args.size() > 1) weight(args[1]);
      if (args.size() > 2) {
        double s = spec.num_seeds;
        number(args[2], "NumSeeds", 1, 1000, s);
        spec.num_seeds = static_cast<int>(s);
      }
    }
    std::map<Type, Value> wild;
    for (std::size_t k = wild_from; k < args.size(); ++k) {
      const Value v = const_arg(args[k]);
      if (!is_default(v)) wild[v.type] = v;
    }
    Schema out;
    if (spec.diff) {
      out.fields = {{"SegmentId", Type::Long}, {"CountA", Type::Long}, {"CountB", Type::Long},
                    {"PercentA", Type::Real}, {"PercentB", Type::Real}, {"PercentDiffAB", Type::Real}};
    } else {
      out.fields = {{"SegmentId", Type::Long}, {"Count", Type::Long}, {"Percent", Type::Real}};
    }
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      if (static_cast<int>(i) == spec.weight_column || static_cast<int>(i) == spec.split_column) continue;
      const Type t = is.fields[i].type;
      spec.columns.push_back(i);
      auto w = wild.find(t);
      spec.wildcards.push_back(w != wild.end() ? w->second : t == Type::String ? Value::of_string("") : Value::null_of(t));
      out.fields.push_back({unique_name(out, is.fields[i].name), t});
    }
    note(src, ev.plugin_range.begin, plugin + "(): the page does not fix how patterns are searched and selected; rulelab's are its own reading (README), so the patterns may differ from Log Analytics'");
    return at_site(make_patterns(std::move(in), std::move(spec), std::move(out)), src, off, plugin);
  }

  if (plugin == "diffpatterns_text") {
    // diffpatterns_text(TextColumn, BooleanCondition [, MinTokens, Threshold, MaxTokens]).
    if (args.size() < 2 || args.size() > 5) fail(src, ev.plugin_range.begin, "diffpatterns_text() expects a text column, a condition and up to three numbers");
    TextPatternSpec spec;
    spec.text = bind_expr(*args[0].value, rc, src, scope);
    if (spec.text->type != Type::String) fail(src, pos(args[0]), "diffpatterns_text: the text column must be a string");
    spec.condition = bind_expr(*args[1].value, rc, src, scope);
    if (spec.condition->type != Type::Bool) fail(src, pos(args[1]), "diffpatterns_text: the condition must be a bool expression");
    auto number = [&](std::size_t k, const char* what, double lo, double hi) {
      const Value v = const_arg(args[k]);
      bool ok = false;
      const double d = v.is_null() ? std::nan("") : number_of(v, ok);
      if (!ok || !(d >= lo && d <= hi)) fail(src, pos(args[k]), std::string("diffpatterns_text: ") + what + " must be a number from " + format_real(lo) + " to " + format_real(hi));
      return d;
    };
    if (args.size() > 2) spec.min_tokens = static_cast<int>(number(2, "MinTokens", 0, 200));
    if (args.size() > 3) spec.threshold = number(3, "Threshold", 0.015, 1);
    if (args.size() > 4) spec.max_tokens = static_cast<int>(number(4, "MaxTokens", 1, 20));
    Schema out;
    out.fields = {{"Count_of_True", Type::Long}, {"Count_of_False", Type::Long}, {"Percent_of_True", Type::Real},
                  {"Percent_of_False", Type::Real}, {"Pattern", Type::String}};
    note(src, ev.plugin_range.begin, "diffpatterns_text(): the page does not fix how patterns are searched and selected; rulelab's are its own reading (README), so the patterns may differ from Log Analytics'");
    return at_site(make_text_patterns(std::move(in), std::move(spec), std::move(out)), src, off, plugin);
  }

  static const std::map<std::string, AnalyticsSpec::Kind> kinds = {
      {"sliding_window_counts", AnalyticsSpec::SlidingWindowCounts},
      {"session_count", AnalyticsSpec::SessionCount},
      {"rolling_percentile", AnalyticsSpec::RollingPercentile},
      {"activity_counts_metrics", AnalyticsSpec::ActivityCountsMetrics},
      {"activity_metrics", AnalyticsSpec::ActivityMetrics},
      {"new_activity_metrics", AnalyticsSpec::NewActivityMetrics},
      {"active_users_count", AnalyticsSpec::ActiveUsersCount},
      {"activity_engagement", AnalyticsSpec::ActivityEngagement},
  };
  auto kit = kinds.find(plugin);
  const bool funnel = plugin == "funnel_sequence" || plugin == "funnel_sequence_completion";
  if (kit == kinds.end() && !funnel) return nullptr;
  AnalyticsSpec spec;
  if (!funnel) spec.kind = kit->second;
  using S = AnalyticsSpec;

  // The leading arguments of each plugin (dimensions and the optional ones come after them).
  // rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow, dims...)
  // the others start with (IdColumn, TimelineColumn, ...).
  const std::size_t min_args = funnel ? 8 : spec.kind == S::SlidingWindowCounts ? 6 : spec.kind == S::SessionCount ? 6
                             : spec.kind == S::RollingPercentile ? 5 : spec.kind == S::ActivityCountsMetrics ? 5
                             : spec.kind == S::ActivityMetrics ? 3 : spec.kind == S::NewActivityMetrics ? 5
                             : spec.kind == S::ActiveUsersCount ? 8 : 4;
  if (args.size() < min_args)
    fail(src, ev.plugin_range.begin, plugin + "() expects at least " + std::to_string(min_args) + " arguments (see its page of the Kusto reference)");
  for (auto& a : args)
    if (a.name) fail(src, pos(a), plugin + ": arguments are given by position");

  const bool rolling = spec.kind == S::RollingPercentile;
  spec.id = bind_expr(*args[0].value, rc, src, scope);
  const K::Arg& time_arg = args[rolling ? 2 : 1];
  spec.time = bind_expr(*time_arg.value, rc, src, scope);
  const Type tt = spec.time->type;
  // rolling_percentile's IndexColumn may also be real (rolling-percentile-plugin: BinSize is an
  // int, long, real, datetime or timespan).
  if (tt != Type::DateTime && tt != Type::TimeSpan && tt != Type::Long && tt != Type::Int && !(rolling && tt == Type::Real))
    fail(src, pos(time_arg), plugin + ": the " + (rolling ? "index" : "timeline") + " column must be a datetime, timespan, int, long" +
                                 (rolling ? " or real" : "") + " (it is " + std::string(type_name(tt)) + ")");
  if (rolling) {
    if (!is_numeric(spec.id->type)) fail(src, pos(args[0]), "rolling_percentile: the value column must be numeric");
  } else if (spec.id->type == Type::Dynamic) {
    fail(src, pos(args[0]), plugin + ": the id column must not be dynamic");
  }
  const std::string tname = derive_name(*time_arg.value, &is);

  // A point of the timeline (Start, End, Cohort): a datetime on a datetime timeline, else a number
  // or timespan of the timeline's kind.
  auto point = [&](const K::Arg& a, const char* what) -> std::int64_t {
    const Value v = const_arg(a);
    if (v.is_null()) fail(src, pos(a), plugin + ": " + what + " must not be null");
    if (tt == Type::DateTime) {
      if (v.type != Type::DateTime) fail(src, pos(a), plugin + ": " + what + " must be a datetime (the timeline is a datetime)");
      return v.i;
    }
    if (tt == Type::TimeSpan) {
      if (v.type != Type::TimeSpan) fail(src, pos(a), plugin + ": " + what + " must be a timespan (the timeline is a timespan)");
      return v.i;
    }
    bool ok = false;
    const double d = number_of(v, ok);
    if (!ok || !std::isfinite(d) || std::fabs(d) > 9e18) fail(src, pos(a), plugin + ": " + what + " must be a number (the timeline is a number)");
    return static_cast<std::int64_t>(std::floor(d));
  };
  // A length on the timeline (steps, windows): a timespan on datetime/timespan timelines, else a
  // number; positive.
  auto length = [&](const K::Arg& a, const char* what) -> std::int64_t {
    const Value v = const_arg(a);
    std::int64_t n = 0;
    if (tt == Type::DateTime || tt == Type::TimeSpan) {
      if (v.type != Type::TimeSpan || v.is_null()) fail(src, pos(a), plugin + ": " + what + " must be a timespan");
      n = v.i;
    } else {
      bool ok = false;
      const double d = v.is_null() ? 0 : number_of(v, ok);
      if (!ok || !std::isfinite(d) || std::fabs(d) > 9e18) fail(src, pos(a), plugin + ": " + what + " must be a number");
      n = static_cast<std::int64_t>(std::floor(d));
    }
    if (n <= 0) fail(src, pos(a), plugin + ": " + what + " must be positive");
    return n;
  };
  // A step: a length, or 'week', 'month', 'year' on a datetime timeline.
  auto step = [&](const K::Arg& a, const char* what) {
    AnalyticsStep s;
    const Value v = const_arg(a);
    if (v.type == Type::String) {
      if (tt != Type::DateTime) fail(src, pos(a), plugin + ": '" + v.s + "' steps need a datetime timeline");
      if (v.s == "week") s.kind = AnalyticsStep::Week;
      else if (v.s == "month") s.kind = AnalyticsStep::Month;
      else if (v.s == "year") s.kind = AnalyticsStep::Year;
      else fail(src, pos(a), plugin + ": " + what + " must be a length or one of 'week', 'month', 'year'");
      return s;
    }
    s.size = length(a, what);
    return s;
  };
  auto range = [&](std::size_t k) {
    spec.has_range = true;
    spec.start = point(args[k], "Start");
    spec.end = point(args[k + 1], "End");
    if (spec.end < spec.start) fail(src, pos(args[k + 1]), plugin + ": End is before Start");
  };

  if (funnel) {
    // funnel_sequence(Id, T, Start, End, MaxSequenceStepWindow, Step, State, Sequence);
    // funnel_sequence_completion(Id, T, Start, End, BinSize, State, Sequence, MaxSequenceStepPeriods).
    if (args.size() != 8) fail(src, ev.plugin_range.begin, plugin + "() expects 8 arguments (see its page of the Kusto reference)");
    FunnelSpec fs;
    fs.completion = plugin == "funnel_sequence_completion";
    fs.id = spec.id;
    fs.time = spec.time;
    range(2);
    fs.start = spec.start;
    fs.end = spec.end;
    if (fs.completion) fs.step = step(args[4], "BinSize");
    else {
      fs.max_step = length(args[4], "MaxSequenceStepWindow");
      fs.step = step(args[5], "Step");
    }
    const K::Arg& state_arg = args[fs.completion ? 5 : 6];
    fs.state = bind_expr(*state_arg.value, rc, src, scope);
    if (fs.state->type != Type::String) fail(src, pos(state_arg), plugin + ": the state column must be a string");
    auto array = [&](const K::Arg& a, const char* what) {
      const Value v = const_arg(a);
      if (v.type != Type::Dynamic || v.is_null() || !v.dyn().is_array()) fail(src, pos(a), plugin + ": " + what + " must be a dynamic array");
      std::vector<Value> out;
      v.dyn().for_each_element([&](DynRef e) { out.push_back(scalar_of(e)); });
      if (out.empty()) fail(src, pos(a), plugin + ": " + what + " must not be empty");
      return out;
    };
    fs.sequence = array(args[fs.completion ? 6 : 7], "Sequence");
    Schema out;
    out.fields.push_back({tname.empty() ? "Timestamp" : tname, tt});
    if (fs.completion) {
      for (const Value& p : array(args[7], "MaxSequenceStepPeriods")) {
        Value ts = p;
        if (p.type == Type::String) {
          auto parsed = parse_timespan(p.s);
          ts = parsed ? Value::of_timespan(parsed->ticks) : Value::null_of(Type::TimeSpan);
        }
        if (ts.type != Type::TimeSpan || ts.is_null() || ts.i <= 0) fail(src, pos(args[7]), plugin + ": MaxSequenceStepPeriods must hold positive timespans");
        fs.periods.push_back(ts.i);
      }
      std::string sname = derive_name(*state_arg.value, &is);
      out.fields.push_back({unique_name(out, sname.empty() ? "State" : sname), Type::String});
      out.fields.push_back({unique_name(out, "Period"), Type::TimeSpan});
      out.fields.push_back({unique_name(out, "dcount"), Type::Long});
      exact_note();
      const OpSite site{src.text, src.loc, off, plugin};
      return make_funnel(std::move(in), std::move(fs), {std::move(out)}, site).front();
    }
    // Three tables (funnel-sequence-plugin, "Returns"): prev-sequence-next, prev-sequence and
    // sequence-next, each with the distinct ids and their samples.
    std::vector<Schema> outs(3, out);
    const char* keys[3][2] = {{"prev", "next"}, {"prev", nullptr}, {"next", nullptr}};
    for (std::size_t k = 0; k < 3; ++k) {
      for (const char* c : keys[k])
        if (c) outs[k].fields.push_back({unique_name(outs[k], c), Type::String});
      outs[k].fields.push_back({unique_name(outs[k], "dcount"), Type::Long});
      outs[k].fields.push_back({unique_name(outs[k], "samples"), Type::Dynamic});
    }
    exact_note();
    const OpSite site{src.text, src.loc, off, plugin};
    auto plans = make_funnel(std::move(in), std::move(fs), std::move(outs), site);
    if (&ev == result_evaluate_) {
      // The statement's last operator: its three tables are the statement's results.
      extra_results_.push_back({"prev-sequence", plans[1], off});
      extra_results_.push_back({"sequence-next", plans[2], off});
    } else {
      warn(src, ev.plugin_range.begin, "funnel_sequence(): Kusto returns three tables; an operator or expression that reads its result gets the first (prev, next, dcount, samples); its tables by prev alone and by next alone are given only when funnel_sequence is the last operator of a tabular statement");
    }
    return plans.front();
  }

  std::size_t dims_from = 0;
  switch (spec.kind) {
    case S::SlidingWindowCounts:  // (Id, T, Start, End, LookbackWindow, Bin, dims...)
      range(2);
      spec.lookback = length(args[4], "LookbackWindow");
      spec.step = step(args[5], "Bin");
      dims_from = 6;
      break;
    case S::SessionCount:  // (Id, T, Start, End, Bin, LookBackWindow, dims...)
      range(2);
      spec.step = step(args[4], "Bin");
      spec.lookback = length(args[5], "LookBackWindow");
      dims_from = 6;
      break;
    case S::RollingPercentile: {  // (Value, Percentile, Index, BinSize, BinsPerWindow, dims...)
      const Value p = const_arg(args[1]);
      bool ok = false;
      spec.percentile = p.is_null() ? -1 : number_of(p, ok);
      if (!ok || spec.percentile < 0 || spec.percentile > 100) fail(src, pos(args[1]), "rolling_percentile: Percentile must be a number from 0 to 100");
      if (tt == Type::Real || tt == Type::Int || tt == Type::Long) {
        // A numeric index: bins of any positive size, as bin(IndexColumn, BinSize).
        const Value b = const_arg(args[3]);
        bool bok = false;
        const double size = b.is_null() || b.type == Type::String ? 0 : number_of(b, bok);
        if (!bok || !std::isfinite(size) || size <= 0 || b.type == Type::DateTime || b.type == Type::TimeSpan)
          fail(src, pos(args[3]), "rolling_percentile: BinSize must be a positive number (the index column is " + std::string(type_name(tt)) + ")");
        if (tt == Type::Real || size != std::floor(size) || size > 9e18) {
          spec.real_bins = true;
          spec.real_bin_size = size;
        } else {
          spec.step.size = static_cast<std::int64_t>(size);
        }
      } else {
        spec.step = step(args[3], "BinSize");
      }
      const Value w = const_arg(args[4]);
      const double n = w.is_null() ? 0 : number_of(w, ok);
      if (!ok || n < 1 || n > 100000 || n != std::floor(n)) fail(src, pos(args[4]), "rolling_percentile: BinsPerWindow must be a whole number from 1 to 100000");
      spec.bins_per_window = static_cast<std::int64_t>(n);
      dims_from = 5;
      break;
    }
    case S::ActivityCountsMetrics:  // (Id, T, Start, End, Step, dims...)
      range(2);
      spec.step = step(args[4], "Step");
      dims_from = 5;
      break;
    case S::ActivityMetrics:  // (Id, T, [Start, End,] Window, dims...)
      if (args.size() >= 5 && !is_column(args[2]) && !is_column(args[3]) && !is_column(args[4])) {
        range(2);
        spec.step = step(args[4], "Window");
        dims_from = 5;
      } else {
        spec.step = step(args[2], "Window");
        dims_from = 3;
      }
      break;
    case S::NewActivityMetrics: {  // (Id, T, Start, End, Window [, Cohort] [, dims...] [, Lookback])
      range(2);
      spec.step = step(args[4], "Window");
      std::size_t k = 5;
      std::size_t last = args.size();
      // A trailing tabular argument is the lookback table (a name of a tabular let or table).
      if (last > 5) {
        const K::Expr& e = *args[last - 1].value;
        const auto* n = e.as<K::Name>();
        const bool column = n && is.index_of(n->name) >= 0;
        if (!column) {
          bool tabular = e.as<K::TabularArg>() != nullptr;
          if (n) {
            auto b = scope ? scope->find(n->name) : nullptr;
            tabular = !b || b->kind == Binding::Kind::Plan || (b->kind == Binding::Kind::Lazy && b->tab);
          }
          if (tabular) {
            PlanPtr lt = bind_tabular_expr_value(e, src, scope);
            const std::string idname = derive_name(*args[0].value, &is);
            const int c = lt->schema.index_of(idname);
            if (lt->schema.fields.empty()) fail(src, pos(args[last - 1]), "new_activity_metrics: the lookback table has no columns");
            // The ids are read from the lookback table's column named as the IdColumn (else its first).
            if (c > 0) {
              Schema one;
              one.fields.push_back(lt->schema.fields[static_cast<std::size_t>(c)]);
              RowCtx lrc;
              lrc.schema = &lt->schema;
              std::vector<ExprPtr> steps;
              steps.push_back(bind_expr(*args[0].value, lrc, src, scope));
              const int in_cols = static_cast<int>(lt->schema.fields.size());
              lt = make_compute(lt, std::move(steps), {in_cols}, one);
            }
            spec.lookback_ids = lt;
            --last;
          }
        }
      }
      if (k < last) {
        const auto* n = args[k].value->as<K::Name>();
        if (!(n && is.index_of(n->name) >= 0)) {  // not a column: the Cohort
          spec.has_cohort = true;
          spec.cohort = point(args[k], "Cohort");
          ++k;
        }
      }
      for (std::size_t j = k; j < last; ++j) {
        ExprPtr e = bind_expr(*args[j].value, rc, src, scope);
        spec.dims.push_back(std::move(e));
      }
      dims_from = args.size();  // dims bound above
      Schema out;
      out.fields.push_back({"from_" + tname, tt});
      out.fields.push_back({"to_" + tname, tt});
      for (std::size_t j = k; j < last; ++j) {
        std::string n = derive_name(*args[j].value, &is);
        if (n.empty()) n = "Column" + std::to_string(j - k + 1);
        out.fields.push_back({unique_name(out, n), spec.dims[j - k]->type});
      }
      for (const char* c : {"dcount_new_values", "dcount_retained_values", "dcount_churn_values"}) out.fields.push_back({unique_name(out, c), Type::Long});
      for (const char* c : {"retention_rate", "churn_rate"}) out.fields.push_back({unique_name(out, c), Type::Real});
      exact_note();
      return at_site(make_user_analytics(std::move(in), std::move(spec), std::move(out)), src, off, plugin);
    }
    case S::ActiveUsersCount:  // (Id, T, Start, End, LookbackWindow, Period, ActivePeriodsCount, Bin, dims...)
      range(2);
      spec.lookback = length(args[4], "LookbackWindow");
      spec.period = length(args[5], "Period");
      {
        const Value v = const_arg(args[6]);
        bool ok = false;
        const double d = v.is_null() ? 0 : number_of(v, ok);
        if (!ok || d < 1 || d > 1e9) fail(src, pos(args[6]), "active_users_count: ActivePeriodsCount must be a number of 1 or more");
        spec.active_periods = static_cast<std::int64_t>(std::ceil(d));
      }
      spec.step = step(args[7], "Bin");
      dims_from = 8;
      break;
    case S::ActivityEngagement:  // (Id, T, [Start, End,] InnerActivityWindow, OuterActivityWindow, dims...)
      if (args.size() >= 6 && !is_column(args[2]) && !is_column(args[3]) && !is_column(args[4]) && !is_column(args[5])) {
        range(2);
        dims_from = 4;
      } else {
        dims_from = 2;
      }
      spec.step = step(args[dims_from], "InnerActivityWindow");
      spec.outer = length(args[dims_from + 1], "OuterActivityWindow");
      dims_from += 2;
      break;
  }

  Schema out;
  // Real bins give real index values, as bin(long, real) does.
  out.fields.push_back({tname.empty() ? "Timestamp" : tname, spec.real_bins ? Type::Real : tt});
  for (std::size_t j = dims_from; j < args.size(); ++j) {
    ExprPtr e = bind_expr(*args[j].value, rc, src, scope);
    std::string n = derive_name(*args[j].value, &is);
    if (n.empty()) n = "Column" + std::to_string(j - dims_from + 1);
    out.fields.push_back({unique_name(out, n), e->type});
    spec.dims.push_back(std::move(e));
  }
  auto add = [&](const std::string& n, Type t) { out.fields.push_back({unique_name(out, n), t}); };
  switch (spec.kind) {
    case S::SlidingWindowCounts: add("Count", Type::Long); add("dcount", Type::Long); break;
    case S::SessionCount: add("count_sessions", Type::Long); break;
    case S::RollingPercentile: {
      std::string p = format_real(spec.percentile);
      for (auto& ch : p)
        if (ch == '.') ch = '_';
      const Type vt = spec.id->type == Type::Int ? Type::Long : spec.id->type;
      add("rolling_" + std::to_string(spec.bins_per_window) + "_percentile_" + derive_name(*args[0].value, &is) + "_" + p, vt);
      break;
    }
    case S::ActivityCountsMetrics:
      for (const char* c : {"count", "dcount", "new_dcount", "aggregated_dcount"}) add(c, Type::Long);
      break;
    case S::ActivityMetrics:
      add("dcount_values", Type::Long); add("dcount_newvalues", Type::Long);
      add("retention_rate", Type::Real); add("churn_rate", Type::Real);
      break;
    case S::ActiveUsersCount: add("dcount", Type::Long); break;
    case S::ActivityEngagement:
      add("dcount_activities_inner", Type::Long); add("dcount_activities_outer", Type::Long); add("activity_ratio", Type::Real);
      break;
    case S::NewActivityMetrics: break;
  }
  if (spec.kind != S::RollingPercentile && spec.kind != S::SessionCount) exact_note();
  return at_site(make_user_analytics(std::move(in), std::move(spec), std::move(out)), src, off, plugin);
}

}  // namespace rulelab::engine
