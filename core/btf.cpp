// SPDX-License-Identifier: GPL-2.0
#include "btf.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>

namespace fsbpf {
namespace {

void collect_fields(const struct btf *btf, const struct btf_type *type,
		    std::vector<std::string> &out)
{
	const struct btf_member *member = btf_members(type);
	for (unsigned short i = 0; i < btf_vlen(type); i++, member++) {
		const char *name = btf__name_by_offset(btf, member->name_off);
		if (name && *name) {
			out.emplace_back(name);
			continue;
		}
		// An anonymous struct or union: its members belong to the parent.
		const struct btf_type *inner = btf__type_by_id(btf, member->type);
		while (inner && (btf_is_mod(inner) || btf_is_typedef(inner)))
			inner = btf__type_by_id(btf, inner->type);
		if (inner && btf_is_composite(inner))
			collect_fields(btf, inner, out);
	}
}

} // namespace

KernelBtf::KernelBtf() : btf_(btf__load_vmlinux_btf())
{
	if (!btf_)
		load_error_ = -errno;
}

KernelBtf::KernelBtf(struct btf *owned) : btf_(owned) {}

KernelBtf::~KernelBtf()
{
	btf__free(btf_);
}

bool KernelBtf::has_struct(const std::string &name) const
{
	return id_of(name, BTF_KIND_STRUCT).has_value();
}

std::vector<std::string> KernelBtf::fields(const std::string &struct_name) const
{
	std::vector<std::string> out;
	if (!btf_)
		return out;
	const int id = find(struct_name, BTF_KIND_STRUCT);
	if (id > 0)
		collect_fields(btf_, btf__type_by_id(btf_, id), out);
	return out;
}

bool KernelBtf::has_field(const std::string &struct_name, const std::string &field) const
{
	for (const std::string &name : fields(struct_name))
		if (name == field)
			return true;
	return false;
}

bool KernelBtf::has_func(const std::string &name) const
{
	return id_of(name, BTF_KIND_FUNC).has_value();
}

std::optional<unsigned int> KernelBtf::id_of(const std::string &name, unsigned int kind) const
{
	const int id = find(name, kind);
	return id > 0 ? std::optional(static_cast<unsigned int>(id)) : std::nullopt;
}

int KernelBtf::find(const std::string &name, unsigned int kind) const
{
	if (!btf_)
		return -ENOENT;
	const std::scoped_lock lock(found_mutex_);
	auto [entry, added] = found_.try_emplace({name, kind}, 0);
	if (added)
		entry->second = btf__find_by_name_kind(btf_, name.c_str(), kind);
	return entry->second;
}

std::optional<unsigned int> KernelBtf::member_offset(const std::string &struct_name,
						     const std::string &member) const
{
	const std::optional<unsigned int> id = id_of(struct_name, BTF_KIND_STRUCT);
	if (!id)
		return std::nullopt;
	const struct btf_type *type = btf__type_by_id(btf_, *id);
	const struct btf_member *members = btf_members(type);
	for (unsigned short i = 0; i < btf_vlen(type); i++) {
		const char *name = btf__name_by_offset(btf_, members[i].name_off);
		if (name && member == name)
			return btf_member_bit_offset(type, i) / 8;
	}
	return std::nullopt;
}

const struct btf_type *KernelBtf::func_proto(const std::string &func) const
{
	const struct btf_type *proto = nullptr;
	if (func.starts_with("btf_trace_")) {
		// A tracepoint's typedef: a pointer to the prototype tp_btf programs see.
		const int id = find(func, BTF_KIND_TYPEDEF);
		const struct btf_type *pointer =
			id > 0 ? btf__type_by_id(btf_, btf__type_by_id(btf_, id)->type) : nullptr;
		if (pointer && btf_is_ptr(pointer))
			proto = btf__type_by_id(btf_, pointer->type);
	} else if (const std::optional<unsigned int> id = func_proto_id(func)) {
		proto = btf__type_by_id(btf_, *id);
	}
	return proto && btf_is_func_proto(proto) ? proto : nullptr;
}

std::optional<unsigned int> KernelBtf::func_proto_id(const std::string &func) const
{
	const int id = find(func, BTF_KIND_FUNC);
	return id > 0 ? std::optional(btf__type_by_id(btf_, id)->type) : std::nullopt;
}

std::optional<bool> KernelBtf::param_complete(const std::string &func, int index) const
{
	const struct btf_type *proto = func_proto(func);
	if (!proto || index < 0 || index >= btf_vlen(proto))
		return std::nullopt;
	const struct btf_type *type = btf__type_by_id(btf_, btf_params(proto)[index].type);
	while (type && (btf_is_ptr(type) || btf_is_mod(type) || btf_is_typedef(type)))
		type = btf__type_by_id(btf_, type->type);
	return type && !btf_is_fwd(type);
}

std::optional<std::vector<std::string>> KernelBtf::param_types(const std::string &func) const
{
	const struct btf_type *proto = func_proto(func);
	if (!proto)
		return std::nullopt;
	std::vector<std::string> out;
	const struct btf_param *param = btf_params(proto);
	for (unsigned short i = 0; i < btf_vlen(proto); i++, param++)
		out.push_back(type_name(param->type));
	return out;
}

std::string KernelBtf::type_name(unsigned int type_id) const
{
	if (type_id == 0)
		return "void";
	const struct btf_type *type = btf__type_by_id(btf_, type_id);
	if (!type)
		return "?";
	const char *raw_name = btf__name_by_offset(btf_, type->name_off);
	const std::string name = raw_name ? raw_name : "";
	switch (btf_kind(type)) {
	case BTF_KIND_PTR: {
		const struct btf_type *target = btf__type_by_id(btf_, type->type);
		if (target && btf_is_func_proto(target))
			return "function *";
		const std::string inner = type_name(type->type);
		return inner + (inner.back() == '*' ? "*" : " *");
	}
	case BTF_KIND_CONST:
		return "const " + type_name(type->type);
	case BTF_KIND_VOLATILE:
		return "volatile " + type_name(type->type);
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return type_name(type->type);
	case BTF_KIND_STRUCT:
		return "struct " + name;
	case BTF_KIND_UNION:
		return "union " + name;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return "enum " + name;
	case BTF_KIND_FWD:
		return (btf_kflag(type) ? "union " : "struct ") + name;
	default:
		return name.empty() ? "?" : name;
	}
}

} // namespace fsbpf
