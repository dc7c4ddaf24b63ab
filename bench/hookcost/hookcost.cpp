// SPDX-License-Identifier: GPL-2.0
// hookcost: prices each step of a filetop-style sys_exit hook on this kernel.
// For every workload it alternates untraced rounds with rounds under each
// step's program, in one run, and prints per-call ns and the median ratio.
//   hookcost [calls-per-round [rounds]]
// Needs a kernel with tp_btf and bpf_rdonly_cast (6.2+).
//   hookcost --hold STEP[,STEP...]
// attaches those steps' programs until SIGINT or SIGTERM: fsbpf-compare's
// floor, the mechanism's cost with no work (`--hold empty`, or
// `--hold empty_enter,empty` for tp_btf pairs, `--hold
// empty_tp_enter,empty_tp_exit` for fsync's classic tracepoints, each with
// empty_uring_submit and empty_uring_complete for io_uring's requests).
#include "hookcost.bpf.skel.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace {

struct SkeletonDeleter {
	void operator()(hookcost_bpf *skel) const { hookcost_bpf__destroy(skel); }
};
struct LinkDeleter {
	void operator()(bpf_link *link) const { bpf_link__destroy(link); }
};

struct Workload {
	const char *name;
	std::function<void()> call;
};

double ns_per_call(const Workload &workload, long calls)
{
	const auto start = std::chrono::steady_clock::now();
	for (long i = 0; i < calls; i++)
		workload.call();
	const std::chrono::duration<double, std::nano> took =
		std::chrono::steady_clock::now() - start;
	return took.count() / static_cast<double>(calls);
}

double median(std::vector<double> values)
{
	std::sort(values.begin(), values.end());
	return values[values.size() / 2];
}

// Loads and attaches the programs named in `steps` (comma-separated) alone,
// then waits for a signal.
int hold(const std::string &steps)
{
	std::unique_ptr<hookcost_bpf, SkeletonDeleter> skel(hookcost_bpf__open());
	std::vector<bpf_program *> kept;
	bpf_program *prog = nullptr;
	bpf_object__for_each_program (prog, skel ? skel->obj : nullptr) {
		const bool wanted = ("," + steps + ",")
					    .find(std::string(",") + bpf_program__name(prog) +
						  ",") != std::string::npos;
		bpf_program__set_autoload(prog, wanted);
		if (wanted)
			kept.push_back(prog);
	}
	if (kept.empty() || hookcost_bpf__load(skel.get()) != 0) {
		std::fprintf(stderr, "hookcost: cannot load %s\n", steps.c_str());
		return 1;
	}
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, nullptr);
	std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links;
	for (bpf_program *program : kept) {
		links.emplace_back(bpf_program__attach(program));
		if (!links.back()) {
			std::perror("hookcost: attach");
			return 1;
		}
	}
	std::printf("Holding %s. Hit Ctrl-C to end.\n", steps.c_str());
	std::fflush(stdout);
	int signal = 0;
	sigwait(&stop, &signal);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc == 3 && std::string(argv[1]) == "--hold")
		return hold(argv[2]);
	const long calls = argc > 1 ? std::atol(argv[1]) : 1000000;
	const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
	std::unique_ptr<hookcost_bpf, SkeletonDeleter> skel(hookcost_bpf__open_and_load());
	if (!skel) {
		std::perror("hookcost: load");
		return 1;
	}
	const int zero = open("/dev/zero", O_RDONLY);
	char path[] = "/tmp/hookcost.XXXXXX";
	const int file = mkstemp(path);
	unlink(path);
	char byte = 0;
	if (zero < 0 || file < 0 || pwrite(file, "x", 1, 0) != 1) {
		std::perror("hookcost: files");
		return 1;
	}
	const std::vector<Workload> workloads = {
		{"getppid", [] { syscall(SYS_getppid); }},
		{"read /dev/zero 1B", [&] { (void)!read(zero, &byte, 1); }},
		{"pread file 1B", [&] { (void)!pread(file, &byte, 1, 0); }},
		// filelife's workload: three system calls, two of them traced.
		{"create+unlink",
		 [&] {
			 close(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644));
			 unlink(path);
		 }},
	};
	const std::vector<bpf_program *> steps = {skel->progs.empty,     skel->progs.filter,
						  skel->progs.walk_core, skel->progs.walk_btf,
						  skel->progs.walk_cast, skel->progs.cached,
						  skel->progs.hash,      skel->progs.percpu};

	std::printf("%-18s %-10s %9s %9s\n", "workload", "step", "ns/call", "ratio");
	for (const Workload &workload : workloads) {
		std::vector<double> base;
		std::vector<std::vector<double>> traced(steps.size()), ratios(steps.size());
		for (int round = 0; round < rounds; round++) {
			base.push_back(ns_per_call(workload, calls));
			for (size_t s = 0; s < steps.size(); s++) {
				std::unique_ptr<bpf_link, LinkDeleter> link(
					bpf_program__attach(steps[s]));
				if (!link) {
					std::perror("hookcost: attach");
					return 1;
				}
				traced[s].push_back(ns_per_call(workload, calls));
				ratios[s].push_back(traced[s].back() / base.back());
			}
		}
		std::printf("%-18s %-10s %9.1f %9s\n", workload.name, "untraced", median(base),
			    "1.00x");
		for (size_t s = 0; s < steps.size(); s++)
			std::printf("%-18s %-10s %9.1f %8.2fx\n", workload.name,
				    bpf_program__name(steps[s]), median(traced[s]),
				    median(ratios[s]));
	}
	return 0;
}
