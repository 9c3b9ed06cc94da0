// Thin wrappers for the KVM ioctls gmemd issues (ioctl is variadic, so Swift cannot call it)
// and for fcntl(F_SETFD), which guest_memfd needs because the kernel does not set FD_CLOEXEC on
// it (kernel-semantics.md C11). The installed <linux/kvm.h> is 6.1, so the guest_memfd-era
// structs and constants are spelled here, with the kernel's values, each naming the uapi file it
// comes from. No logic lives here; see toolchain-notes.md for why _GNU_SOURCE is defined only in
// the .c file.
#ifndef GMEMD_CKVM_H
#define GMEMD_CKVM_H
#include <stdint.h>

// include/uapi/linux/kvm.h
enum {
    GMEMD_KVM_API_VERSION = 12,
    GMEMD_KVM_CAP_NR_MEMSLOTS = 10,
    GMEMD_KVM_CAP_USER_MEMORY2 = 231,
    GMEMD_KVM_CAP_GUEST_MEMFD = 234,
    GMEMD_KVM_CAP_VM_TYPES = 235,
    GMEMD_KVM_CAP_GUEST_MEMFD_FLAGS = 244,
    GMEMD_KVM_MEM_GUEST_MEMFD = 1 << 2,
    GMEMD_GUEST_MEMFD_FLAG_MMAP = 1 << 0,
    GMEMD_GUEST_MEMFD_FLAG_INIT_SHARED = 1 << 1,
};

// include/uapi/linux/kvm.h, struct kvm_create_guest_memfd (Linux 6.8+)
struct gmemd_kvm_create_guest_memfd {
    uint64_t size;
    uint64_t flags;
    uint64_t reserved[6];
};

// include/uapi/linux/kvm.h, struct kvm_userspace_memory_region2 (Linux 6.8+)
struct gmemd_kvm_userspace_memory_region2 {
    uint32_t slot;
    uint32_t flags;
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    uint64_t guest_memfd_offset;
    uint32_t guest_memfd;
    uint32_t pad1;
    uint64_t pad2[14];
};

int gmemd_kvm_get_api_version(int kvm);
int gmemd_kvm_check_extension(int fd, long capability);
int gmemd_kvm_create_vm(int kvm, unsigned long type);
int gmemd_kvm_create_guest_memfd(int vm, struct gmemd_kvm_create_guest_memfd *args);
int gmemd_kvm_set_user_memory_region2(int vm, const struct gmemd_kvm_userspace_memory_region2 *region);
int gmemd_set_cloexec(int fd);
#endif
