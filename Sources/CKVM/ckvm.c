#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include "ckvm.h"

// include/uapi/linux/kvm.h (Linux 6.8+); the installed 6.1 header lacks both.
#define GMEMD_KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct gmemd_kvm_create_guest_memfd)
#define GMEMD_KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct gmemd_kvm_userspace_memory_region2)

_Static_assert(sizeof(struct gmemd_kvm_create_guest_memfd) == 64, "uapi layout");
_Static_assert(sizeof(struct gmemd_kvm_userspace_memory_region2) == 160, "uapi layout");

int gmemd_kvm_get_api_version(int kvm) { return ioctl(kvm, KVM_GET_API_VERSION, 0); }

int gmemd_kvm_check_extension(int fd, long capability) { return ioctl(fd, KVM_CHECK_EXTENSION, capability); }

int gmemd_kvm_create_vm(int kvm, unsigned long type) { return ioctl(kvm, KVM_CREATE_VM, type); }

int gmemd_kvm_create_guest_memfd(int vm, struct gmemd_kvm_create_guest_memfd *args) {
    return ioctl(vm, GMEMD_KVM_CREATE_GUEST_MEMFD, args);
}

int gmemd_kvm_set_user_memory_region2(int vm, const struct gmemd_kvm_userspace_memory_region2 *region) {
    return ioctl(vm, GMEMD_KVM_SET_USER_MEMORY_REGION2, region);
}

int gmemd_set_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

