// SPDX-License-Identifier: GPL-2.0
// Container names from cgroup paths as the runtimes and systemd make them,
// and the cgroup2 mount found in mountinfo text.
#include "cgroups.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fsbpf {
namespace {

const std::string kId = "3f4e2a1b9c0d" + std::string(52, 'e');

struct Case {
	std::string path;
	std::string container;
};

class ContainerOf : public testing::TestWithParam<Case> {};

TEST_P(ContainerOf, NamesTheContainerOrUnit)
{
	EXPECT_EQ(container_of(GetParam().path), GetParam().container);
}

INSTANTIATE_TEST_SUITE_P(
	Layouts, ContainerOf,
	testing::Values(
		// docker, systemd and cgroupfs drivers
		Case{"system.slice/docker-" + kId + ".scope", "3f4e2a1b9c0d"},
		Case{"docker/" + kId, "3f4e2a1b9c0d"},
		// containerd and CRI-O under kubelet, systemd and cgroupfs drivers
		Case{"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
		     "cri-containerd-" +
			     kId + ".scope",
		     "3f4e2a1b9c0d"},
		Case{"kubepods.slice/kubepods-pod99.slice/crio-" + kId + ".scope", "3f4e2a1b9c0d"},
		Case{"kubepods/besteffort/pod5678/" + kId, "3f4e2a1b9c0d"},
		// podman, systemd and cgroupfs managers; a container's own units inside
		Case{"machine.slice/libpod-" + kId + ".scope/container", "3f4e2a1b9c0d"},
		Case{"libpod_parent/libpod-" + kId, "3f4e2a1b9c0d"},
		// systemd-nspawn machines, registered or run as a service
		Case{"machine.slice/machine-web\\x2d1.scope/payload/system.slice/nginx.service",
		     "web-1"},
		Case{"machine.slice/systemd-nspawn@db.service/payload", "db"},
		// systemd units: the innermost
		Case{"system.slice/cron.service", "cron.service"},
		Case{"user.slice/user-1000.slice/user@1000.service/app.slice/"
		     "app-gnome-org.gnome.Terminal-1234.scope",
		     "app-gnome-org.gnome.Terminal-1234.scope"},
		Case{"system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service"},
		// nothing to name
		Case{"", ""}, Case{"fsbpf-test/payload", ""}, Case{"docker/notanid", ""},
		Case{"system.slice/docker-" + kId.substr(1) + ".scope",
		     "docker-" + kId.substr(1) + ".scope"}));

TEST(Cgroup2MountPoint, FindsTheUnifiedHierarchyOfAHybridLayout)
{
	std::istringstream mountinfo(
		"25 30 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
		"31 25 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
		"32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw\n"
		"33 31 0:28 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup "
		"rw,name=systemd\n");
	EXPECT_EQ(cgroup2_mount_point(mountinfo), "/sys/fs/cgroup/unified");
}

TEST(Cgroup2MountPoint, UnescapesTheMountPointAndSaysWhenThereIsNone)
{
	std::istringstream escaped("40 1 0:30 / /mnt/my\\040cgroups rw - cgroup2 none rw\n");
	EXPECT_EQ(cgroup2_mount_point(escaped), "/mnt/my cgroups");
	std::istringstream v1_only("33 31 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw\n");
	EXPECT_EQ(cgroup2_mount_point(v1_only), "");
}

// The id of a real cgroup directory (its inode number) names its path; the
// id of one removed names nothing.
TEST(CgroupNames, ResolvesARealCgroupAndForgetsNothingElse)
{
	std::istringstream mountinfo([] {
		std::ostringstream text;
		text << std::ifstream("/proc/self/mountinfo").rdbuf();
		return text.str();
	}());
	const std::string root = cgroup2_mount_point(mountinfo);
	if (root.empty() || geteuid() != 0)
		GTEST_SKIP() << "needs root and a cgroup2 mount";
	const std::string name = "/fsbpf-unit-" + std::to_string(getpid());
	const std::string dir = root + name + "/docker-" + kId + ".scope";
	ASSERT_EQ(mkdir((root + name).c_str(), 0755), 0);
	ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
	struct stat st {};
	ASSERT_EQ(stat(dir.c_str(), &st), 0);
	CgroupNames names;
	const CgroupName found = names.lookup(st.st_ino);
	rmdir(dir.c_str());
	rmdir((root + name).c_str());
	EXPECT_EQ(found.path, name + "/docker-" + kId + ".scope");
	EXPECT_EQ(found.container, "3f4e2a1b9c0d");
	EXPECT_EQ(names.lookup(st.st_ino).path, found.path); // cached
	CgroupNames fresh;
	EXPECT_EQ(fresh.lookup(st.st_ino).path, "");
	EXPECT_EQ(fresh.lookup(0).path, "");
}

} // namespace
} // namespace fsbpf
