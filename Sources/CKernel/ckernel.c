#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include "ckernel.h"

int gmemd_memfd_create(const char *name, unsigned int flags) { return memfd_create(name, flags); }

int gmemd_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
}

int gmemd_add_seals(int fd, unsigned int seals) { return fcntl(fd, F_ADD_SEALS, seals); }

int gmemd_get_seals(int fd) { return fcntl(fd, F_GET_SEALS); }

int gmemd_dup_cloexec(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }
