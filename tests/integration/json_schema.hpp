// SPDX-License-Identifier: GPL-2.0
// A JSON Schema (draft 2020-12) validator for the keywords fsbpf's record
// schema uses. A keyword it does not know is refused when the schema is
// loaded, so a schema it could not check never passes by accident.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <string>

namespace fsbpf::test {

class JsonSchema {
public:
	explicit JsonSchema(nlohmann::json schema);

	// Empty when instance is valid, else why not.
	std::string errors(const nlohmann::json &instance) const;

private:
	using Names = std::set<std::string>;

	// Each returns "" or why value fails schema; `evaluated` collects the
	// property names schema looked at, for unevaluatedProperties.
	std::string check(const nlohmann::json &schema, const nlohmann::json &value,
			  const std::string &at, Names &evaluated) const;
	std::string check_keyword(const std::string &keyword, const nlohmann::json &argument,
				  const nlohmann::json &schema, const nlohmann::json &value,
				  const std::string &at, Names &evaluated) const;
	std::string check_applicator(const std::string &keyword, const nlohmann::json &argument,
				     const nlohmann::json &value, const std::string &at,
				     Names &evaluated) const;
	std::string check_conditional(const nlohmann::json &schema, const nlohmann::json &value,
				      const std::string &at, Names &evaluated) const;
	std::string check_object(const std::string &keyword, const nlohmann::json &argument,
				 const nlohmann::json &value, const std::string &at,
				 Names &evaluated) const;
	std::string check_assertion(const std::string &keyword, const nlohmann::json &argument,
				    const nlohmann::json &value) const;
	bool matches(const std::string &pattern, const std::string &text) const;
	const nlohmann::json &resolve(const std::string &reference) const;
	static void refuse_unknown_keywords(const nlohmann::json &schema);

	nlohmann::json root_;
	mutable std::map<std::string, std::regex> patterns_; // compiled once each
};

} // namespace fsbpf::test
