// rulelab-gen: realistic Entra ID audit events (AuditLogs) for tests and benchmarks.
//
// --shape la       NDJSON rows as Log Analytics stores AuditLogs (InitiatedBy, TargetResources and
//                  AdditionalDetails as dynamic JSON), the shape of the real rows in tests/data/samples.
// --shape elastic  the same events as the Elastic azure.auditlogs integration indexes them (ECS,
//                  target_resources keyed "0", "1", ...).
// The stream is deterministic for a seed: users are created, updated, put in groups and roles,
// invited as guests, and some deleted shortly after creation (the shape of a real deletion: the
// UPN gets the object id without dashes glued in front).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/datetime.hpp"
#include "core/dynamic.hpp"

namespace {

using rulelab::DateTime;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }
  std::string guid() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string g;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) g += '-';
      g += kHex[below(16)];
    }
    return g;
  }

 private:
  std::uint64_t s_;
};

const char* kFirst[] = {"alex", "sam", "maria", "li", "omar", "ines", "john", "fatima", "kenji", "olga", "noah", "zoe"};
const char* kLast[] = {"smith", "garcia", "chen", "haddad", "silva", "novak", "kim", "muller", "rossi", "okafor"};
const char* kGuestDomains[] = {"gmail.com", "outlook.com", "partner.example", "fabrikam.com", "proton.me"};
const char* kGroups[] = {"sase-jwproject-prd", "Finance", "HR Readers", "VPN Users", "Break Glass"};
const char* kRoles[] = {"Global Administrator", "User Administrator", "Security Reader", "Helpdesk Administrator"};
const char* kApps[] = {"Microsoft Azure AD Connect", "Microsoft Graph", "Azure AD Identity Governance"};
const char* kAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
    "Microsoft Azure Graph Client Library 2.1.17-internal"};
constexpr const char* kTenant = "4f95594c-a630-4b9d-b5c1-cc628e2b07e5";
constexpr const char* kDomain = "contoso.onmicrosoft.com";

struct User {
  std::string id, upn, display;
  bool guest = false;
  bool deleted = false;
};

struct Actor {
  bool app = false;
  std::string id, upn, ip, name;
};

struct ModProp {
  std::string name, old_value, new_value;  // JSON text as AuditLogs has them ("[]", "[\"Member\"]", null = "")
};

struct Target {
  std::string id, display, type, upn;
  std::vector<ModProp> props;
};

struct Event {
  DateTime time;
  std::string operation, category, operation_type, result = "success", correlation;
  Actor actor;
  std::vector<Target> targets;
  std::string user_agent;
};

std::string js(std::string_view s) {
  std::string out;
  rulelab::write_json_string(s, out);
  return out;
}
std::string js_or_null(const std::string& s) { return s.empty() ? "null" : js(s); }

class Generator {
 public:
  Generator(std::uint64_t seed, DateTime start, std::int64_t step_ticks) : rng_(seed), now_(start), step_(step_ticks) {
    for (int i = 0; i < 8; ++i) admins_.push_back(make_actor(false));
  }

  Event next() {
    now_.ticks += static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(2 * step_ + 1)));
    Event e;
    e.time = now_;
    e.correlation = rng_.guid();
    e.actor = rng_.chance(15) ? make_actor(true) : admins_[rng_.below(admins_.size())];
    e.user_agent = kAgents[rng_.below(3)];
    const auto roll = rng_.below(100);
    if (users_.size() < 4 || roll < 22) add_user(e);
    else if (roll < 32) delete_user(e);
    else if (roll < 52) update_user(e);
    else if (roll < 62) invite_guest(e);
    else if (roll < 82) group_member(e);
    else if (roll < 90) role_member(e);
    else reset_password(e);
    if (rng_.chance(2)) e.result = "failure";
    return e;
  }

 private:
  Actor make_actor(bool app) {
    Actor a;
    a.app = app;
    a.id = rng_.guid();
    if (app) {
      a.name = kApps[rng_.below(3)];
    } else {
      a.upn = std::string("admin.") + kLast[rng_.below(10)] + std::to_string(rng_.below(100)) + "@" + kDomain;
      a.ip = std::to_string(20 + rng_.below(200)) + "." + std::to_string(rng_.below(256)) + "." + std::to_string(rng_.below(256)) +
             "." + std::to_string(1 + rng_.below(254));
    }
    return a;
  }

  User& pick_user() {
    for (int tries = 0; tries < 8; ++tries) {
      User& u = users_[rng_.below(users_.size())];
      if (!u.deleted) return u;
    }
    return users_.back();
  }

  void add_user(Event& e) {
    User u;
    u.id = rng_.guid();
    const std::string first = kFirst[rng_.below(12)], last = kLast[rng_.below(10)];
    u.upn = first + "." + last + std::to_string(users_.size()) + "@" + kDomain;
    u.display = first + " " + last;
    e.operation = "Add user";
    e.category = "UserManagement";
    e.operation_type = "Add";
    e.targets.push_back({u.id, "", "User", u.upn,
                         {{"AccountEnabled", "[]", "[true]"},
                          {"DisplayName", "[]", "[" + js(u.display) + "]"},
                          {"UserPrincipalName", "[]", "[" + js(u.upn) + "]"},
                          {"UserType", "[]", "[\"Member\"]"}}});
    users_.push_back(std::move(u));
  }

  void delete_user(Event& e) {
    // Prefer a recent account: the short-lived accounts the seed rule looks for.
    const std::size_t n = users_.size();
    User& u = rng_.chance(60) ? users_[n - 1 - rng_.below(std::min<std::size_t>(n, 20))] : pick_user();
    std::string bare;
    for (char c : u.id)
      if (c != '-') bare += c;
    e.operation = "Delete user";
    e.category = "UserManagement";
    e.operation_type = "Delete";
    e.targets.push_back({u.id, "", "User", bare + u.upn, {{"Is Hard Deleted", "", "\"False\""}}});
    u.deleted = true;
  }

  void update_user(Event& e) {
    User& u = pick_user();
    e.operation = "Update user";
    e.category = "UserManagement";
    e.operation_type = "Update";
    e.targets.push_back({u.id, "", "User", u.upn,
                         {{"Department", "[\"Sales\"]", "[\"Marketing\"]"},
                          {"Included Updated Properties", "", "\"Department\""}}});
  }

  void invite_guest(Event& e) {
    User u;
    u.id = rng_.guid();
    u.guest = true;
    const std::string first = kFirst[rng_.below(12)], dom = kGuestDomains[rng_.below(5)];
    u.upn = first + std::to_string(users_.size()) + "_" + dom + "#EXT#@" + kDomain;
    u.display = first;
    e.operation = "Invite external user";
    e.category = "UserManagement";
    e.operation_type = "Add";
    e.targets.push_back({u.id, u.display, "User", u.upn, {}});
    users_.push_back(std::move(u));
  }

  void group_member(Event& e) {
    User& u = pick_user();
    const bool add = rng_.chance(70);
    const std::string group = kGroups[rng_.below(5)];
    e.operation = add ? "Add member to group" : "Remove member from group";
    e.category = "GroupManagement";
    e.operation_type = add ? "Assign" : "Unassign";
    const std::string gid = rng_.guid();
    e.targets.push_back({u.id, "", "User", u.upn,
                         {{"Group.ObjectID", add ? "" : js(gid), add ? js(gid) : ""},
                          {"Group.DisplayName", add ? "" : js(group), add ? js(group) : ""}}});
    e.targets.push_back({gid, group, "Group", "", {}});
  }

  void role_member(Event& e) {
    User& u = pick_user();
    const std::string role = kRoles[rng_.below(4)];
    e.operation = "Add member to role";
    e.category = "RoleManagement";
    e.operation_type = "Assign";
    e.targets.push_back({u.id, "", "User", u.upn,
                         {{"Role.DisplayName", "", js(role)}, {"Role.WellKnownObjectName", "", "\"TenantAdmins\""}}});
  }

  void reset_password(Event& e) {
    User& u = pick_user();
    e.operation = "Reset user password";
    e.category = "UserManagement";
    e.operation_type = "Update";
    e.targets.push_back({u.id, "", "User", u.upn, {}});
  }

  Rng rng_;
  DateTime now_;
  std::int64_t step_;
  std::vector<Actor> admins_;
  std::vector<User> users_;
};

void write_la(const Event& e, std::string& o) {
  const std::string t = rulelab::format_datetime(e.time);
  o += "{\"TenantId\":\"";
  o += kTenant;
  o += "\",\"SourceSystem\":\"Azure AD\",\"TimeGenerated\":\"" + t + "\",\"ResourceId\":\"/tenants/";
  o += kTenant;
  o += "/providers/Microsoft.aadiam\",\"OperationName\":" + js(e.operation) +
       ",\"OperationVersion\":\"1.0\",\"Category\":" + js(e.category) +
       ",\"ResultSignature\":\"None\",\"DurationMs\":0,\"CorrelationId\":\"" + e.correlation +
       "\",\"Resource\":\"Microsoft.aadiam\",\"ResourceGroup\":\"Microsoft.aadiam\",\"Level\":\"4\",\"AdditionalDetails\":[{\"key\":\"User-Agent\",\"value\":" +
       js(e.user_agent) + "}],\"Id\":\"Directory_" + e.correlation + "_" + std::to_string(e.time.ticks % 100000) +
       "\",\"InitiatedBy\":";
  if (e.actor.app)
    o += "{\"app\":{\"appId\":null,\"displayName\":" + js(e.actor.name) + ",\"servicePrincipalId\":\"" + e.actor.id +
         "\",\"servicePrincipalName\":null}}";
  else
    o += "{\"user\":{\"id\":\"" + e.actor.id + "\",\"displayName\":null,\"userPrincipalName\":" + js(e.actor.upn) +
         ",\"ipAddress\":\"" + e.actor.ip + "\",\"roles\":[]}}";
  o += ",\"LoggedByService\":\"Core Directory\",\"Result\":\"" + e.result + "\",\"ResultReason\":\"\",\"TargetResources\":[";
  for (std::size_t i = 0; i < e.targets.size(); ++i) {
    const Target& tr = e.targets[i];
    if (i) o += ',';
    o += "{\"id\":\"" + tr.id + "\",\"displayName\":" + js_or_null(tr.display) + ",\"type\":\"" + tr.type + "\"";
    if (!tr.upn.empty()) o += ",\"userPrincipalName\":" + js(tr.upn);
    o += ",\"modifiedProperties\":[";
    for (std::size_t k = 0; k < tr.props.size(); ++k) {
      if (k) o += ',';
      o += "{\"displayName\":" + js(tr.props[k].name) + ",\"oldValue\":" + js_or_null(tr.props[k].old_value) +
           ",\"newValue\":" + js_or_null(tr.props[k].new_value) + "}";
    }
    o += "],\"administrativeUnits\":[]}";
  }
  o += "],\"AADTenantId\":\"";
  o += kTenant;
  o += "\",\"ActivityDisplayName\":" + js(e.operation) + ",\"ActivityDateTime\":\"" + t + "\",\"AADOperationType\":\"" +
       e.operation_type + "\",\"Type\":\"AuditLogs\"}\n";
}

void write_elastic(const Event& e, std::string& o) {
  const std::string t = rulelab::format_datetime(e.time);
  o += "{\"@timestamp\":\"" + t + "\",\"azure\":{\"auditlogs\":{\"category\":\"AuditLogs\",\"identity\":" +
       js(e.actor.app ? e.actor.name : e.actor.upn) + ",\"level\":4,\"operation_name\":" + js(e.operation) +
       ",\"operation_version\":\"1.0\",\"properties\":{\"activity_datetime\":\"" + t +
       "\",\"activity_display_name\":" + js(e.operation) + ",\"category\":" + js(e.category) +
       ",\"correlation_id\":\"" + e.correlation + "\",\"id\":\"Directory_" + e.correlation + "\",\"initiated_by\":";
  if (e.actor.app)
    o += "{\"app\":{\"displayName\":" + js(e.actor.name) + ",\"servicePrincipalId\":\"" + e.actor.id + "\"}}";
  else
    o += "{\"user\":{\"id\":\"" + e.actor.id + "\",\"ipAddress\":\"" + e.actor.ip + "\",\"userPrincipalName\":" + js(e.actor.upn) + "}}";
  o += ",\"logged_by_service\":\"Core Directory\",\"operation_type\":\"" + e.operation_type + "\",\"result_reason\":\"\",\"target_resources\":{";
  for (std::size_t i = 0; i < e.targets.size(); ++i) {
    const Target& tr = e.targets[i];
    if (i) o += ',';
    o += "\"" + std::to_string(i) + "\":{\"display_name\":" + js(tr.display.empty() ? tr.upn : tr.display) + ",\"id\":\"" + tr.id +
         "\",\"type\":\"" + tr.type + "\"";
    if (!tr.upn.empty()) o += ",\"user_principal_name\":" + js(tr.upn);
    if (!tr.props.empty()) {
      o += ",\"modified_properties\":{";
      for (std::size_t k = 0; k < tr.props.size(); ++k) {
        if (k) o += ',';
        o += "\"" + std::to_string(k) + "\":{\"display_name\":" + js(tr.props[k].name);
        if (!tr.props[k].old_value.empty()) o += ",\"old_value\":" + js(tr.props[k].old_value);
        if (!tr.props[k].new_value.empty()) o += ",\"new_value\":" + js(tr.props[k].new_value);
        o += "}";
      }
      o += "}";
    }
    o += "}";
  }
  o += "}},\"result_signature\":\"None\"},\"correlation_id\":\"" + e.correlation + "\",\"resource\":{\"id\":\"/tenants/";
  o += kTenant;
  o += "/providers/Microsoft.aadiam\",\"provider\":\"Microsoft.aadiam\"},\"tenant_id\":\"";
  o += kTenant;
  o += "\"},\"cloud\":{\"provider\":\"azure\"},\"data_stream\":{\"dataset\":\"azure.auditlogs\",\"namespace\":\"default\",\"type\":\"logs\"},"
       "\"ecs\":{\"version\":\"8.11.0\"},\"event\":{\"action\":" + js(e.operation) +
       ",\"category\":[\"iam\"],\"dataset\":\"azure.auditlogs\",\"duration\":0,\"kind\":\"event\",\"outcome\":\"" + e.result +
       "\",\"type\":[\"" + (e.operation_type == "Add" ? "creation" : e.operation_type == "Delete" ? "deletion" : "change") + "\"]}";
  if (!e.actor.app) o += ",\"source\":{\"ip\":\"" + e.actor.ip + "\"}";
  o += "}\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rulelab-gen: deterministic, realistic Entra ID audit events (AuditLogs) as NDJSON"};
  std::uint64_t rows = 1000, seed = 1;
  std::string shape = "la", start = "2025-03-01T00:00:00Z", out, step = "30s";
  app.add_option("--rows", rows, "number of events");
  app.add_option("--seed", seed, "random seed (same seed, same stream)");
  app.add_option("--shape", shape, "la (Log Analytics AuditLogs) or elastic (azure.auditlogs ECS)")->check(CLI::IsMember({"la", "elastic"}));
  app.add_option("--start", start, "time of the first event (ISO 8601)");
  app.add_option("--step", step, "mean time between events (Kusto timespan: 30s, 5m)");
  app.add_option("--out", out, "output file (default: standard output)");
  CLI11_PARSE(app, argc, argv);
  const auto t0 = rulelab::parse_datetime(start);
  const auto dt = rulelab::parse_timespan(step);
  if (!t0 || !dt) {
    std::fprintf(stderr, "rulelab-gen: bad --start or --step\n");
    return 2;
  }
  std::FILE* f = out.empty() ? stdout : std::fopen(out.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "rulelab-gen: cannot write %s\n", out.c_str());
    return 1;
  }
  Generator gen(seed, *t0, dt->ticks);
  std::string buf;
  for (std::uint64_t i = 0; i < rows; ++i) {
    const Event e = gen.next();
    if (shape == "la") write_la(e, buf);
    else write_elastic(e, buf);
    if (buf.size() > (1u << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f);
  if (f != stdout) std::fclose(f);
  return 0;
}
