// Numbers as Elasticsearch's integral field types index them: shared by kuery, EQL and ES|QL.
#pragma once
#include "elastic/field_types.hpp"

namespace rulelab::elastic {

// Whether a number fits the integral field type t (long, integer, short, byte, unsigned_long) once
// coerced, the fraction dropped as Elasticsearch indexes it; false for NaN, infinities and values
// beyond the type's range, which Elasticsearch refuses as malformed ("out of range for a long").
bool fits_integral(double d, FieldType t);

}  // namespace rulelab::elastic
