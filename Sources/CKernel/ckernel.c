#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include "ckernel.h"

int gmemd_memfd_create(const char *name, unsigned int flags) { return memfd_create(name, flags); }

int gmemd_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
}

int gmemd_add_seals(int fd, unsigned int seals) { return fcntl(fd, F_ADD_SEALS, seals); }

int gmemd_get_seals(int fd) { return fcntl(fd, F_GET_SEALS); }

int gmemd_dup_cloexec(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }

int64_t gmemd_filesystem_type(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    return (int64_t)info.f_type;
}
