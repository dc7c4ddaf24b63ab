// SPDX-License-Identifier: GPL-2.0
#include "app.hpp"

#include <string>
#include <vector>

int main(int argc, char **argv)
{
	return fsbpf::run_fsbpf(std::vector<std::string>(argv, argv + argc));
}
