// SPDX-License-Identifier: GPL-2.0
#include "json_schema.hpp"

#include <algorithm>
#include <cmath>
#include <regex>
#include <stdexcept>

namespace fsbpf::test {
namespace {

using json = nlohmann::json;

const std::set<std::string> kAnnotations = {"$schema",  "$id",   "title",   "description",
					    "$comment", "$defs", "examples"};
const std::set<std::string> kKeywords = {"type",       "const",
					 "enum",       "minimum",
					 "minLength",  "pattern",
					 "required",   "$ref",
					 "allOf",      "anyOf",
					 "oneOf",      "not",
					 "properties", "patternProperties",
					 "if",         "then",
					 "else",       "unevaluatedProperties"};

bool has_type(const json &value, const std::string &type)
{
	if (type == "object")
		return value.is_object();
	if (type == "array")
		return value.is_array();
	if (type == "string")
		return value.is_string();
	if (type == "boolean")
		return value.is_boolean();
	if (type == "null")
		return value.is_null();
	if (type == "number")
		return value.is_number();
	if (type == "integer")
		return value.is_number_integer() ||
		       (value.is_number_float() &&
			std::trunc(value.get<double>()) == value.get<double>());
	throw std::invalid_argument("unknown type " + type);
}

// JSON Schema counts characters, not bytes.
size_t characters(const std::string &text)
{
	return static_cast<size_t>(std::ranges::count_if(
		text, [](char c) { return (static_cast<unsigned char>(c) & 0xc0U) != 0x80U; }));
}

std::string check_type(const json &argument, const json &value)
{
	const json types = argument.is_array() ? argument : json::array({argument});
	for (const json &type : types)
		if (has_type(value, type.get<std::string>()))
			return "";
	return "is not of type " + argument.dump();
}

} // namespace

bool JsonSchema::matches(const std::string &pattern, const std::string &text) const
{
	auto found = patterns_.find(pattern);
	if (found == patterns_.end())
		found = patterns_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript))
				.first;
	return std::regex_search(text, found->second);
}

// The keywords that look at one value alone.
std::string JsonSchema::check_assertion(const std::string &keyword, const json &argument,
					const json &value) const
{
	if (keyword == "type")
		return check_type(argument, value);
	if (keyword == "const")
		return value == argument ? "" : "is not " + argument.dump();
	if (keyword == "enum")
		return std::ranges::find(argument, value) != argument.end()
			       ? ""
			       : "is not one of " + argument.dump();
	if (keyword == "minimum")
		return !value.is_number() || value.get<double>() >= argument.get<double>()
			       ? ""
			       : "is less than " + argument.dump();
	if (keyword == "minLength")
		return !value.is_string() || characters(value.get<std::string>()) >=
						     argument.get<size_t>()
			       ? ""
			       : "is shorter than " + argument.dump();
	if (keyword == "pattern")
		return !value.is_string() || matches(argument.get<std::string>(),
						     value.get<std::string>())
			       ? ""
			       : "does not match " + argument.dump();
	if (keyword == "required") {
		if (!value.is_object())
			return "";
		for (const json &name : argument)
			if (!value.contains(name.get<std::string>()))
				return "lacks " + name.dump();
		return "";
	}
	throw std::invalid_argument("keyword not supported: " + keyword);
}

namespace {

std::string where(const std::string &at)
{
	return at.empty() ? "the record" : at;
}

} // namespace

JsonSchema::JsonSchema(json schema) : root_(std::move(schema))
{
	refuse_unknown_keywords(root_);
}

void JsonSchema::refuse_unknown_keywords(const json &schema)
{
	if (schema.is_boolean())
		return;
	if (!schema.is_object())
		throw std::invalid_argument("a schema is an object or a boolean: " + schema.dump());
	for (const auto &[keyword, argument] : schema.items()) {
		if (kAnnotations.contains(keyword) && keyword != "$defs")
			continue;
		if (!kKeywords.contains(keyword) && keyword != "$defs")
			throw std::invalid_argument("keyword not supported: " + keyword);
		if (keyword == "properties" || keyword == "patternProperties" || keyword == "$defs")
			for (const auto &[name, sub] : argument.items())
				refuse_unknown_keywords(sub);
		else if (keyword == "allOf" || keyword == "anyOf" || keyword == "oneOf")
			for (const json &sub : argument)
				refuse_unknown_keywords(sub);
		else if (keyword == "not" || keyword == "if" || keyword == "then" ||
			 keyword == "else" || keyword == "unevaluatedProperties")
			refuse_unknown_keywords(argument);
	}
}

std::string JsonSchema::errors(const json &instance) const
{
	Names evaluated;
	return check(root_, instance, "", evaluated);
}

const json &JsonSchema::resolve(const std::string &reference) const
{
	if (reference.rfind('#', 0) != 0)
		throw std::invalid_argument("only references within the schema: " + reference);
	return root_.at(json::json_pointer(reference.substr(1)));
}

std::string JsonSchema::check(const json &schema, const json &value, const std::string &at,
			      Names &evaluated) const
{
	if (schema.is_boolean())
		return schema.get<bool>() ? "" : where(at) + " is not allowed";
	Names seen;
	for (const auto &[keyword, argument] : schema.items()) {
		if (kAnnotations.contains(keyword) || keyword == "then" || keyword == "else" ||
		    keyword == "unevaluatedProperties")
			continue;
		std::string why = check_keyword(keyword, argument, schema, value, at, seen);
		if (!why.empty())
			return why;
	}
	// Last: it sees what every other keyword of this schema looked at.
	if (schema.contains("unevaluatedProperties") && value.is_object())
		for (const auto &[name, member] : value.items())
			if (!seen.contains(name)) {
				Names inner;
				std::string why = check(schema["unevaluatedProperties"], member,
							at + "/" + name, inner);
				if (!why.empty())
					return why;
				seen.insert(name);
			}
	evaluated.insert(seen.begin(), seen.end());
	return "";
}

std::string JsonSchema::check_keyword(const std::string &keyword, const json &argument,
				      const json &schema, const json &value, const std::string &at,
				      Names &evaluated) const
{
	if (keyword == "if")
		return check_conditional(schema, value, at, evaluated);
	if (keyword == "properties" || keyword == "patternProperties")
		return check_object(keyword, argument, value, at, evaluated);
	if (keyword == "$ref" || keyword == "allOf" || keyword == "anyOf" || keyword == "oneOf" ||
	    keyword == "not")
		return check_applicator(keyword, argument, value, at, evaluated);
	const std::string why = check_assertion(keyword, argument, value);
	return why.empty() ? "" : where(at) + " " + why;
}

std::string JsonSchema::check_applicator(const std::string &keyword, const json &argument,
					 const json &value, const std::string &at,
					 Names &evaluated) const
{
	if (keyword == "$ref")
		return check(resolve(argument.get<std::string>()), value, at, evaluated);
	if (keyword == "not") {
		Names ignored;
		return check(argument, value, at, ignored).empty()
			       ? where(at) + " matches what it must not: " + argument.dump()
			       : "";
	}
	size_t passed = 0;
	std::string failures;
	for (const json &sub : argument) {
		Names seen;
		std::string why = check(sub, value, at, seen);
		if (why.empty()) {
			passed++;
			evaluated.insert(seen.begin(), seen.end());
		} else {
			if (keyword == "allOf")
				return why;
			failures += (failures.empty() ? "" : "; or ") + why;
		}
	}
	if (keyword == "oneOf" && passed > 1)
		return where(at) + " matches " + std::to_string(passed) + " schemas of a oneOf";
	return passed > 0 || keyword == "allOf" ? "" : failures;
}

std::string JsonSchema::check_conditional(const json &schema, const json &value,
					  const std::string &at, Names &evaluated) const
{
	Names seen;
	if (check(schema["if"], value, at, seen).empty()) {
		evaluated.insert(seen.begin(), seen.end());
		return schema.contains("then") ? check(schema["then"], value, at, evaluated) : "";
	}
	return schema.contains("else") ? check(schema["else"], value, at, evaluated) : "";
}

std::string JsonSchema::check_object(const std::string &keyword, const json &argument,
				     const json &value, const std::string &at,
				     Names &evaluated) const
{
	if (!value.is_object())
		return "";
	for (const auto &[name, member] : value.items())
		for (const auto &[key, sub] : argument.items()) {
			const bool applies =
				keyword == "properties" ? name == key : matches(key, name);
			if (!applies)
				continue;
			Names inner;
			std::string why = check(sub, member, at + "/" + name, inner);
			if (!why.empty())
				return why;
			evaluated.insert(name);
		}
	return "";
}

} // namespace fsbpf::test
