// Thin wrappers for the memory-file syscalls Swift cannot reach directly: memfd_create,
// fallocate and fcntl's seal and dup commands (variadic). Constants carry the kernel's values and name
// the uapi header they come from. No logic lives here; see toolchain-notes.md for why
// _GNU_SOURCE is defined only in the .c file.
#ifndef GMEMD_CKERNEL_H
#define GMEMD_CKERNEL_H
#include <stdint.h>

// include/uapi/linux/memfd.h
enum {
    GMEMD_MFD_CLOEXEC = 0x0001U,
    GMEMD_MFD_ALLOW_SEALING = 0x0002U,
    GMEMD_MFD_HUGETLB = 0x0004U,
    GMEMD_MFD_NOEXEC_SEAL = 0x0008U,
    GMEMD_MFD_EXEC = 0x0010U,
};

// include/uapi/linux/falloc.h
enum {
    GMEMD_FALLOC_FL_KEEP_SIZE = 0x01,
    GMEMD_FALLOC_FL_PUNCH_HOLE = 0x02,
};

int gmemd_memfd_create(const char *name, unsigned int flags);
int gmemd_fallocate(int fd, int mode, int64_t offset, int64_t length);
int gmemd_add_seals(int fd, unsigned int seals);
int gmemd_get_seals(int fd);
int gmemd_dup_cloexec(int fd);
// fstatfs(2)'s f_type (include/uapi/linux/magic.h), or -1 with errno set.
int64_t gmemd_filesystem_type(int fd);
#endif
