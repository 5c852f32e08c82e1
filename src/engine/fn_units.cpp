// Units conversion functions (learn.microsoft.com/kusto/query/convert-<quantity>-function):
// convert_angle, convert_energy, convert_force, convert_length, convert_mass, convert_speed,
// convert_temperature, convert_volume (value, from, to). Unit names are the pages' lists, matched
// exactly (case-sensitive); an unknown unit gives null. The factors are the SI definitions of each
// unit (the international yard and pound, the thermochemical calorie, the IT British thermal unit).
#include <cmath>
#include <map>
#include <string>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

using Factors = std::map<std::string, double, std::less<>>;  // unit -> value of 1 unit in the base unit

constexpr double kPi = 3.14159265358979323846;

// Angle, in degrees. (Tilt is handled apart: it is the sine of the angle.)
const Factors& angle() {
  static const Factors f = {
      {"Arcminute", 1.0 / 60}, {"Arcsecond", 1.0 / 3600}, {"Centiradian", 0.01 * 180 / kPi},
      {"Deciradian", 0.1 * 180 / kPi}, {"Degree", 1}, {"Gradian", 0.9}, {"Microdegree", 1e-6},
      {"Microradian", 1e-6 * 180 / kPi}, {"Millidegree", 1e-3}, {"Milliradian", 1e-3 * 180 / kPi},
      {"Nanodegree", 1e-9}, {"Nanoradian", 1e-9 * 180 / kPi}, {"NatoMil", 360.0 / 6400}, {"Radian", 180 / kPi},
      {"Revolution", 360}};
  return f;
}
// Energy, in joules.
const Factors& energy() {
  constexpr double btu = 1055.05585262, eV = 1.602176634e-19, wh = 3600, wd = 86400;
  constexpr double therm_ec = 105505585.262, therm_imp = 105505585.257348, therm_us = 105480400;
  static const Factors f = {
      {"BritishThermalUnit", btu}, {"Calorie", 4.184}, {"DecathermEc", 10 * therm_ec},
      {"DecathermImperial", 10 * therm_imp}, {"DecathermUs", 10 * therm_us}, {"ElectronVolt", eV}, {"Erg", 1e-7},
      {"FootPound", 1.3558179483314004}, {"GigabritishThermalUnit", 1e9 * btu}, {"GigaelectronVolt", 1e9 * eV},
      {"Gigajoule", 1e9}, {"GigawattDay", 1e9 * wd}, {"GigawattHour", 1e9 * wh},
      {"HorsepowerHour", 745.69987158227022 * 3600}, {"Joule", 1}, {"KilobritishThermalUnit", 1e3 * btu},
      {"Kilocalorie", 4184}, {"KiloelectronVolt", 1e3 * eV}, {"Kilojoule", 1e3}, {"KilowattDay", 1e3 * wd},
      {"KilowattHour", 1e3 * wh}, {"MegabritishThermalUnit", 1e6 * btu}, {"Megacalorie", 4.184e6},
      {"MegaelectronVolt", 1e6 * eV}, {"Megajoule", 1e6}, {"MegawattDay", 1e6 * wd}, {"MegawattHour", 1e6 * wh},
      {"Millijoule", 1e-3}, {"TeraelectronVolt", 1e12 * eV}, {"TerawattDay", 1e12 * wd}, {"TerawattHour", 1e12 * wh},
      {"ThermEc", therm_ec}, {"ThermImperial", therm_imp}, {"ThermUs", therm_us}, {"WattDay", wd}, {"WattHour", wh}};
  return f;
}
// Force, in newtons.
const Factors& force() {
  constexpr double g = 9.80665, lbf = 4.4482216152605;
  static const Factors f = {
      {"Decanewton", 10}, {"Dyn", 1e-5}, {"KilogramForce", g}, {"Kilonewton", 1e3}, {"KiloPond", g},
      {"KilopoundForce", 1e3 * lbf}, {"Meganewton", 1e6}, {"Micronewton", 1e-6}, {"Millinewton", 1e-3},
      {"Newton", 1}, {"OunceForce", lbf / 16}, {"Poundal", 0.138254954376}, {"PoundForce", lbf},
      {"ShortTonForce", 2000 * lbf}, {"TonneForce", 1e3 * g}};
  return f;
}
// Length, in meters.
const Factors& length() {
  constexpr double inch = 0.0254, ly = 9460730472580800.0, pc = 3.0856775814913673e16;
  static const Factors f = {
      {"Angstrom", 1e-10}, {"AstronomicalUnit", 149597870700.0}, {"Centimeter", 1e-2}, {"Chain", 20.1168},
      {"DataMile", 1828.8}, {"Decameter", 10}, {"Decimeter", 0.1}, {"DtpPica", inch / 6}, {"DtpPoint", inch / 72},
      {"Fathom", 1.8288}, {"Foot", 0.3048}, {"Hand", 0.1016}, {"Hectometer", 100}, {"Inch", inch},
      {"KilolightYear", 1e3 * ly}, {"Kilometer", 1e3}, {"Kiloparsec", 1e3 * pc}, {"LightYear", ly},
      {"MegalightYear", 1e6 * ly}, {"Megaparsec", 1e6 * pc}, {"Meter", 1}, {"Microinch", 1e-6 * inch},
      {"Micrometer", 1e-6}, {"Mil", 1e-3 * inch}, {"Mile", 1609.344}, {"Millimeter", 1e-3}, {"Nanometer", 1e-9},
      {"NauticalMile", 1852}, {"Parsec", pc}, {"PrinterPica", 0.166044 * inch}, {"PrinterPoint", 0.013837 * inch},
      {"Shackle", 27.432}, {"SolarRadius", 6.957e8}, {"Twip", inch / 1440}, {"UsSurveyFoot", 1200.0 / 3937},
      {"Yard", 0.9144}};
  return f;
}
// Mass, in kilograms.
const Factors& mass() {
  constexpr double lb = 0.45359237;
  static const Factors f = {
      {"Centigram", 1e-5}, {"Decagram", 1e-2}, {"Decigram", 1e-4}, {"EarthMass", 5.9722e24},
      {"Grain", lb / 7000}, {"Gram", 1e-3}, {"Hectogram", 0.1}, {"Kilogram", 1}, {"Kilopound", 1e3 * lb},
      {"Kilotonne", 1e6}, {"LongHundredweight", 112 * lb}, {"LongTon", 2240 * lb}, {"Megapound", 1e6 * lb},
      {"Megatonne", 1e9}, {"Microgram", 1e-9}, {"Milligram", 1e-6}, {"Nanogram", 1e-12}, {"Ounce", lb / 16},
      {"Pound", lb}, {"ShortHundredweight", 100 * lb}, {"ShortTon", 2000 * lb}, {"Slug", 14.593902937206364},
      {"SolarMass", 1.98947e30}, {"Stone", 14 * lb}, {"Tonne", 1e3}};
  return f;
}
// Speed: (meters, seconds) of each unit: <length>Per<Second|Minute|Hour>, and Knot.
using SpeedUnits = std::map<std::string, std::pair<long double, long double>, std::less<>>;
const SpeedUnits& speed() {
  static const SpeedUnits f = [] {
    SpeedUnits m;
    const char* lengths[] = {"Centimeter", "Decimeter", "Foot", "Inch", "Kilometer", "Meter", "Micrometer",
                             "Mile", "Millimeter", "Nanometer", "UsSurveyFoot", "Yard"};
    const std::pair<const char*, double> times[] = {{"Second", 1}, {"Minute", 60}, {"Hour", 3600}};
    for (const char* l : lengths)
      for (auto& [t, s] : times) m[std::string(l) + "Per" + t] = {length().at(l), s};
    m["Knot"] = {1852, 3600};
    // the page lists these combinations only
    const char* listed[] = {"CentimeterPerHour", "CentimeterPerMinute", "CentimeterPerSecond", "DecimeterPerMinute",
                            "DecimeterPerSecond", "FootPerHour", "FootPerMinute", "FootPerSecond", "InchPerHour",
                            "InchPerMinute", "InchPerSecond", "KilometerPerHour", "KilometerPerMinute",
                            "KilometerPerSecond", "Knot", "MeterPerHour", "MeterPerMinute", "MeterPerSecond",
                            "MicrometerPerMinute", "MicrometerPerSecond", "MilePerHour", "MillimeterPerHour",
                            "MillimeterPerMinute", "MillimeterPerSecond", "NanometerPerMinute", "NanometerPerSecond",
                            "UsSurveyFootPerHour", "UsSurveyFootPerMinute", "UsSurveyFootPerSecond", "YardPerHour",
                            "YardPerMinute", "YardPerSecond"};
    SpeedUnits only;
    for (const char* n : listed) only[n] = m.at(n);
    return only;
  }();
  return f;
}
// Volume, in cubic meters.
const Factors& volume() {
  constexpr double usgal = 3.785411784e-3, impgal = 4.54609e-3, ft3 = 0.028316846592;
  static const Factors f = {
      {"AcreFoot", 1 / 0.000810714},  // as Kusto reckons it: the page's 1.2 m3 is 0.0009728568 acre-feet {"AuTablespoon", 2e-5}, {"BoardFoot", ft3 / 12}, {"Centiliter", 1e-5},
      {"CubicCentimeter", 1e-6}, {"CubicDecimeter", 1e-3}, {"CubicFoot", ft3}, {"CubicHectometer", 1e6},
      {"CubicInch", 1.6387064e-5}, {"CubicKilometer", 1e9}, {"CubicMeter", 1}, {"CubicMicrometer", 1e-18},
      {"CubicMile", 4168181825.440579584}, {"CubicMillimeter", 1e-9}, {"CubicYard", 0.764554857984},
      {"Decaliter", 1e-2}, {"DecausGallon", 10 * usgal}, {"Deciliter", 1e-4}, {"DeciusGallon", 0.1 * usgal},
      {"HectocubicFoot", 100 * ft3}, {"HectocubicMeter", 100}, {"Hectoliter", 0.1}, {"HectousGallon", 100 * usgal},
      {"ImperialBeerBarrel", 36 * impgal}, {"ImperialGallon", impgal}, {"ImperialOunce", impgal / 160},
      {"ImperialPint", impgal / 8}, {"KilocubicFoot", 1e3 * ft3}, {"KilocubicMeter", 1e3},
      {"KiloimperialGallon", 1e3 * impgal}, {"Kiloliter", 1}, {"KilousGallon", 1e3 * usgal}, {"Liter", 1e-3},
      {"MegacubicFoot", 1e6 * ft3}, {"MegaimperialGallon", 1e6 * impgal}, {"Megaliter", 1e3},
      {"MegausGallon", 1e6 * usgal}, {"MetricCup", 2.5e-4}, {"MetricTeaspoon", 5e-6}, {"Microliter", 1e-9},
      {"Milliliter", 1e-6}, {"OilBarrel", 42 * usgal}, {"UkTablespoon", 1.5e-5}, {"UsBeerBarrel", 31 * usgal},
      {"UsCustomaryCup", usgal / 16}, {"UsGallon", usgal}, {"UsLegalCup", 2.4e-4}, {"UsOunce", usgal / 128},
      {"UsPint", usgal / 8}, {"UsQuart", usgal / 4}, {"UsTablespoon", usgal / 256}, {"UsTeaspoon", usgal / 768}};
  return f;
}

bool args_of(const CallArgs& a, double& v, std::string_view& from, std::string_view& to) {
  bool ok;
  v = number_of(a[0], ok);
  if (!ok || a[0].is_null() || a[1].type != Type::String || a[2].type != Type::String) return false;
  from = a[1].s;
  to = a[2].s;
  return true;
}
Value by_factor(const CallArgs& a, const Factors& f) {
  double v;
  std::string_view from, to;
  if (!args_of(a, v, from, to)) return Value::null_of(Type::Real);
  auto x = f.find(from), y = f.find(to);
  if (x == f.end() || y == f.end()) return Value::null_of(Type::Real);
  if (x == y) return Value::of_real(v);
  return Value::of_real(v * x->second / y->second);
}

Value f_angle(const CallArgs& a) {
  double v;
  std::string_view from, to;
  if (!args_of(a, v, from, to)) return Value::null_of(Type::Real);
  // Tilt: the sine of the angle (a tilt of 1 is 90 degrees)
  double deg;
  if (from == "Tilt") deg = std::asin(v) * 180 / kPi;
  else if (auto x = angle().find(from); x != angle().end()) deg = v * x->second;
  else return Value::null_of(Type::Real);
  if (to == "Tilt") return Value::of_real(std::sin(deg * kPi / 180));
  auto y = angle().find(to);
  if (y == angle().end()) return Value::null_of(Type::Real);
  if (from == to) return Value::of_real(v);
  return Value::of_real(deg / y->second);
}
Value f_energy(const CallArgs& a) { return by_factor(a, energy()); }
Value f_force(const CallArgs& a) { return by_factor(a, force()); }
Value f_length(const CallArgs& a) { return by_factor(a, length()); }
Value f_mass(const CallArgs& a) { return by_factor(a, mass()); }
// Speed: v * from / to in long double, so that exact conversions stay exact (the page's 1.2 m/s
// is 432000 cm/h, not 431999.99999999994).
Value f_speed(const CallArgs& a) {
  double v;
  std::string_view from, to;
  if (!args_of(a, v, from, to)) return Value::null_of(Type::Real);
  auto x = speed().find(from), y = speed().find(to);
  if (x == speed().end() || y == speed().end()) return Value::null_of(Type::Real);
  if (x == y) return Value::of_real(v);
  return Value::of_real(static_cast<double>(static_cast<long double>(v) * x->second.first / x->second.second *
                                            y->second.second / y->second.first));
}
Value f_volume(const CallArgs& a) { return by_factor(a, volume()); }

// Temperature: to kelvin and back, each unit by its defining formula.
bool to_kelvin(std::string_view u, double v, double& k) {
  if (u == "Kelvin") k = v;
  else if (u == "DegreeCelsius") k = v + 273.15;
  else if (u == "MillidegreeCelsius") k = v / 1000 + 273.15;
  else if (u == "DegreeFahrenheit") k = (v + 459.67) * 5 / 9;
  else if (u == "DegreeRankine") k = v * 5 / 9;
  else if (u == "DegreeDelisle") k = 373.15 - v * 2 / 3;
  else if (u == "DegreeNewton") k = v * 100 / 33 + 273.15;
  else if (u == "DegreeReaumur") k = v * 5 / 4 + 273.15;
  else if (u == "DegreeRoemer") k = (v - 7.5) * 40 / 21 + 273.15;
  else if (u == "SolarTemperature") k = v * 5778;
  else return false;
  return true;
}
bool from_kelvin(std::string_view u, double k, double& v) {
  if (u == "Kelvin") v = k;
  else if (u == "DegreeCelsius") v = k - 273.15;
  else if (u == "MillidegreeCelsius") v = (k - 273.15) * 1000;
  else if (u == "DegreeFahrenheit") v = k * 9 / 5 - 459.67;
  else if (u == "DegreeRankine") v = k * 9 / 5;
  else if (u == "DegreeDelisle") v = (373.15 - k) * 3 / 2;
  else if (u == "DegreeNewton") v = (k - 273.15) * 33 / 100;
  else if (u == "DegreeReaumur") v = (k - 273.15) * 4 / 5;
  else if (u == "DegreeRoemer") v = (k - 273.15) * 21 / 40 + 7.5;
  else if (u == "SolarTemperature") v = k / 5778;
  else return false;
  return true;
}
Value f_temperature(const CallArgs& a) {
  double v, k, r;
  std::string_view from, to;
  if (!args_of(a, v, from, to) || !to_kelvin(from, v, k) || !from_kelvin(to, k, r)) return Value::null_of(Type::Real);
  return Value::of_real(from == to ? v : r);
}

}  // namespace

void add_units_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, ScalarImpl f) { out.push_back(ScalarFunction{n, 3, 3, ret_real, f, nullptr, true}); };
  add("convert_angle", f_angle);
  add("convert_energy", f_energy);
  add("convert_force", f_force);
  add("convert_length", f_length);
  add("convert_mass", f_mass);
  add("convert_speed", f_speed);
  add("convert_temperature", f_temperature);
  add("convert_volume", f_volume);
}

}  // namespace rulelab::engine
