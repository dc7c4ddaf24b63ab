// A tracer under measurement: started like a user starts it, ready when it
// says so, stopped with Ctrl-C; its BPF map memory read from /proc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace bench {

class Tracer {
public:
	// Runs argv; output goes to a pipe drained in the background.
	explicit Tracer(std::vector<std::string> argv);
	~Tracer();
	Tracer(const Tracer &) = delete;
	Tracer &operator=(const Tracer &) = delete;

	// Waits for "Hit Ctrl-C", which fsbpf prints once attached; a quiet tracer
	// is ready once it has held BPF programs for a while without exiting.
	// Seconds from exec to ready, or nothing if it died or timed out.
	std::optional<double> wait_ready(std::chrono::seconds timeout, bool quiet = false);
	// Bytes of locked memory of the BPF maps it holds (memlock in fdinfo).
	uint64_t map_memlock() const;
	// Stops it with SIGINT; returns everything it printed.
	std::string stop();
	const std::string &output() const { return output_; }

private:
	void drain(int fd);

	pid_t pid_ = -1;
	std::chrono::steady_clock::time_point started_;
	std::thread reader_;
	std::string output_;
	bool ready_ = false;
	bool exited_ = false;
};

} // namespace bench
