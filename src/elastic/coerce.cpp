#include "elastic/coerce.hpp"

#include <cmath>

namespace rulelab::elastic {

bool fits_integral(double d, FieldType t) {
  if (!std::isfinite(d)) return false;
  const double x = std::trunc(d);
  double lo = -9223372036854775808.0, hi = 9223372036854775808.0;  // [lo, hi)
  if (t == FieldType::Integer) lo = -2147483648.0, hi = 2147483648.0;
  else if (t == FieldType::Short) lo = -32768.0, hi = 32768.0;
  else if (t == FieldType::Byte) lo = -128.0, hi = 128.0;
  else if (t == FieldType::UnsignedLong) lo = 0.0, hi = 18446744073709551616.0;
  return x >= lo && x < hi;
}

}  // namespace rulelab::elastic
