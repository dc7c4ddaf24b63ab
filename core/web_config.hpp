// SPDX-License-Identifier: GPL-2.0
// --web-config: TLS and basic authentication for the exporter, in the file
// format of Prometheus' exporter-toolkit (tls_server_config, basic_auth_users
// with bcrypt hashes), so that one file serves node_exporter and fsbpf.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace fsbpf {

struct WebConfig {
	std::string cert_file, key_file;          // both empty: plain HTTP
	std::map<std::string, std::string> users; // name -> bcrypt hash; empty: no authentication
};

// nullopt with the reason in `why`. A key this does not implement is refused,
// never ignored: ignoring client_auth_type, say, would serve without the
// protection the file asks for. Relative paths are the file's directory's.
std::optional<WebConfig> load_web_config(const std::string &path, std::string &why);

// Checks Authorization headers against the users' hashes. bcrypt is slow on
// purpose, so a header that passed is remembered (a few, in memory).
class BasicAuth {
public:
	explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

	bool enabled() const { return !users_.empty(); }
	bool allows(std::string_view authorization);

private:
	bool verify(std::string_view authorization) const;

	std::map<std::string, std::string> users_;
	std::mutex mutex_;
	std::set<std::string> passed_;
};

// RFC 4648 base64, without line breaks; nullopt when text is not.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace fsbpf
