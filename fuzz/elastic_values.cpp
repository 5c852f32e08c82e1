// The Elastic field model's value readers: an input is a date `format` line, then a value. Any
// text reads or is refused without undefined behaviour; an address that reads prints in the form
// Elasticsearch shows, which reads back to the same 16 bytes; a date that reads lies within the
// range the instant can hold.
#include "elastic/date.hpp"
#include "elastic/ip.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rulelab;
  const std::string_view text = fuzz::text_of(data, size);
  const auto nl = text.find('\n');
  const std::string_view format = nl == std::string_view::npos ? std::string_view{} : text.substr(0, nl);
  const std::string_view value = nl == std::string_view::npos ? text : text.substr(nl + 1);
  if (auto ip = elastic::parse_ip(value)) {
    const std::string shown = elastic::format_ip(*ip);
    auto again = elastic::parse_ip(shown);
    if (!again || *again != *ip) fuzz::violated("an address does not read back from its shown form", shown);
  }
  for (auto kind : {elastic::DateFormat::Date, elastic::DateFormat::DateNanos})
    if (auto d = elastic::parse_date(value, kind)) {
      if (d->at.nanos < 0 || d->at.nanos >= 1'000'000'000) fuzz::violated("nanoseconds out of range");
      (void)elastic::to_epoch_millis(d->at);
      (void)elastic::to_ticks(d->at);
      if (kind == elastic::DateFormat::DateNanos && !elastic::to_epoch_nanos(d->at)) fuzz::violated("a date_nanos beyond 2262");
    }
  if (!format.empty()) {
    const elastic::DateFormats f(format);
    if (auto t = f.read(value))
      if (t->nanos < 0 || t->nanos >= 1'000'000'000) fuzz::violated("nanoseconds out of range (format)");
  }
  return 0;
}
