// SPDX-License-Identifier: GPL-2.0
#include "web_config.hpp"

#include <crypt.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <memory>

namespace fsbpf {
namespace {

constexpr size_t kRememberedHeaders = 16;

// A path from the file, relative to the file's directory.
std::string relative_to(const std::string &config, const std::string &path)
{
	if (path.empty() || path.front() == '/')
		return path;
	return (std::filesystem::path(config).parent_path() / path).string();
}

bool known_keys(const YAML::Node &map, std::initializer_list<std::string_view> keys,
		std::string &why)
{
	for (const auto &entry : map) {
		const auto key = entry.first.as<std::string>();
		if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
			why = "'" + key + "' is not supported";
			return false;
		}
	}
	return true;
}

bool read_tls(const YAML::Node &tls, const std::string &path, WebConfig &config, std::string &why)
{
	if (!tls.IsMap() || !known_keys(tls, {"cert_file", "key_file"}, why)) {
		why = "tls_server_config: " + (why.empty() ? "not a map" : why);
		return false;
	}
	config.cert_file = relative_to(path, tls["cert_file"].as<std::string>(""));
	config.key_file = relative_to(path, tls["key_file"].as<std::string>(""));
	if (config.cert_file.empty() || config.key_file.empty()) {
		why = "tls_server_config needs cert_file and key_file";
		return false;
	}
	return true;
}

bool read_users(const YAML::Node &users, WebConfig &config, std::string &why)
{
	if (!users.IsMap()) {
		why = "basic_auth_users: not a map";
		return false;
	}
	for (const auto &user : users) {
		const auto name = user.first.as<std::string>();
		const auto hash = user.second.as<std::string>("");
		if (!hash.starts_with("$2")) {
			why = "basic_auth_users: " + name + ": not a bcrypt hash";
			return false;
		}
		config.users[name] = hash;
	}
	return true;
}

int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

// Equal without telling, by its time, where two strings first differ.
bool same_secret(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	unsigned char differ = 0;
	for (size_t i = 0; i < a.size(); i++)
		differ |= static_cast<unsigned char>(a[i] ^ b[i]);
	return differ == 0;
}

} // namespace

std::optional<WebConfig> load_web_config(const std::string &path, std::string &why)
{
	WebConfig config;
	try {
		const YAML::Node root = YAML::LoadFile(path);
		if (!root.IsMap() ||
		    !known_keys(root, {"tls_server_config", "basic_auth_users"}, why)) {
			why = why.empty() ? "not a map" : why;
			return std::nullopt;
		}
		if (root["tls_server_config"] &&
		    !read_tls(root["tls_server_config"], path, config, why))
			return std::nullopt;
		if (root["basic_auth_users"] && !read_users(root["basic_auth_users"], config, why))
			return std::nullopt;
	} catch (const YAML::Exception &e) {
		why = e.what();
		return std::nullopt;
	}
	return config;
}

std::optional<std::string> base64_decode(std::string_view text)
{
	std::string out;
	uint32_t bits = 0;
	int count = 0;
	while (!text.empty() && text.back() == '=')
		text.remove_suffix(1);
	for (const char c : text) {
		const int value = base64_value(c);
		if (value < 0)
			return std::nullopt;
		bits = (bits << 6U) | static_cast<uint32_t>(value);
		count += 6;
		if (count >= 8) {
			count -= 8;
			out += static_cast<char>((bits >> static_cast<uint32_t>(count)) & 0xffU);
		}
	}
	return out;
}

bool BasicAuth::allows(std::string_view authorization)
{
	const std::string header(authorization);
	{
		const std::lock_guard lock(mutex_);
		if (passed_.contains(header))
			return true;
	}
	if (!verify(authorization))
		return false;
	const std::lock_guard lock(mutex_);
	if (passed_.size() >= kRememberedHeaders)
		passed_.clear();
	passed_.insert(header);
	return true;
}

bool BasicAuth::verify(std::string_view authorization) const
{
	constexpr std::string_view kScheme = "Basic ";
	if (!authorization.starts_with(kScheme))
		return false;
	const std::optional<std::string> credentials =
		base64_decode(authorization.substr(kScheme.size()));
	const size_t colon = credentials ? credentials->find(':') : std::string::npos;
	if (colon == std::string::npos)
		return false;
	const auto user = users_.find(credentials->substr(0, colon));
	// An unknown name costs a bcrypt too, so that timing does not tell names.
	const std::string &hash = user == users_.end() ? users_.begin()->second : user->second;
	const std::string password = credentials->substr(colon + 1);
	// crypt_rn, not crypt_r: it returns NULL rather than a "*0" token on
	// failure, and ASan's crypt_r interceptor (clang 14) finds no crypt_r in
	// libxcrypt and calls address 0.
	auto data = std::make_unique<crypt_data>();
	const char *hashed = crypt_rn(password.c_str(), hash.c_str(), data.get(),
				      static_cast<int>(sizeof(crypt_data)));
	return hashed && same_secret(hashed, hash) && user != users_.end();
}

} // namespace fsbpf
