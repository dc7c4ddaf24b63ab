// SPDX-License-Identifier: GPL-2.0
// Questions about the running kernel answered from its BTF: which structs,
// fields and functions exist, and the C types of a function's parameters.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct btf;
struct btf_type;

namespace fsbpf {

class KernelBtf {
public:
	// Loads /sys/kernel/btf/vmlinux (or what libbpf finds); empty when none.
	KernelBtf();
	explicit KernelBtf(struct btf *owned);
	~KernelBtf();
	KernelBtf(const KernelBtf &) = delete;
	KernelBtf &operator=(const KernelBtf &) = delete;

	bool available() const { return btf_ != nullptr; }
	int load_error() const { return load_error_; }

	bool has_struct(const std::string &name) const;
	bool has_field(const std::string &struct_name, const std::string &field) const;
	bool has_func(const std::string &name) const;
	// The BTF id of a type of the kind (BTF_KIND_*), or nullopt.
	std::optional<unsigned int> id_of(const std::string &name, unsigned int kind) const;
	// Byte offset of a struct's direct member, or nullopt.
	std::optional<unsigned int> member_offset(const std::string &struct_name,
						  const std::string &member) const;
	// Parameters of a kernel function as C text ("struct dentry *"), or nullopt;
	// of a tracepoint by its typedef btf_trace_NAME, the leading void * included.
	std::optional<std::vector<std::string>> param_types(const std::string &func) const;
	// Whether parameter `index` of `func` reaches a complete type through its
	// pointers and modifiers (not a forward declaration); nullopt when absent.
	std::optional<bool> param_complete(const std::string &func, int index) const;
	// The BTF id of a kernel function's prototype, or nullopt.
	std::optional<unsigned int> func_proto_id(const std::string &func) const;
	// Member names of a struct, nested anonymous members flattened.
	std::vector<std::string> fields(const std::string &struct_name) const;

private:
	std::string type_name(unsigned int type_id) const;
	const struct btf_type *func_proto(const std::string &func) const;
	// btf__find_by_name_kind, remembered: each call scans every type (about
	// 130,000), and a tool's start asks for some names many times.
	int find(const std::string &name, unsigned int kind) const;

	struct btf *btf_ = nullptr;
	int load_error_ = 0;
	mutable std::mutex found_mutex_; // the exporter's tools ask from their threads
	mutable std::map<std::pair<std::string, unsigned int>, int> found_;
};

} // namespace fsbpf
