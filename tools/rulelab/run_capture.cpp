#include "run_capture.hpp"

#include <iostream>
#include <sstream>

namespace rulelab::cli {

namespace {
// Restores a stream's buffer when it goes out of scope, exceptions included.
class Redirect {
 public:
  Redirect(std::ostream& s, std::streambuf* to) : s_(s), old_(s.rdbuf(to)) {}
  ~Redirect() { s_.rdbuf(old_); }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

 private:
  std::ostream& s_;
  std::streambuf* old_;
};
}  // namespace

Captured capture_run(const RunArgs& args) {
  Captured c;
  std::ostringstream out, err;
  {
    Redirect ro(std::cout, out.rdbuf());
    Redirect re(std::cerr, err.rdbuf());
    const std::string fam = rule_family(args.rule);
    if (fam == "sentinel") c.code = run_sentinel(args);
    else if (fam == "elastic") c.code = run_elastic(args);
    else {
      std::cerr << args.rule << ": not a rule file rulelab knows\n";
      c.code = 1;
    }
  }
  c.out = out.str();
  c.err = err.str();
  return c;
}

}  // namespace rulelab::cli
