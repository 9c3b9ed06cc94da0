// Thin wrappers for socket calls Swift's Glibc module does not expose (accept4, epoll,
// eventfd) or cannot call (variadic fcntl, the CMSG_* macros of SCM_RIGHTS). No logic lives here.
#ifndef GMEMD_CSOCKET_H
#define GMEMD_CSOCKET_H
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

int gmemd_accept4_nonblock(int fd);
int gmemd_set_nonblocking(int fd);

// recvmsg(MSG_DONTWAIT | MSG_CMSG_CLOEXEC) into `buffer`, with room for `max_fds` SCM_RIGHTS
// descriptors; those received are stored in `fds` (room for `max_fds + 2`: CMSG_SPACE rounds up
// to 8 bytes, so one more may fit) and counted in `*fd_count`. The kernel closes what does not
// fit (MSG_CTRUNC). Returns what recvmsg returns.
long gmemd_recv_with_fds(int fd, void *buffer, unsigned long length, int *fds, int max_fds, int *fd_count);

// sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL) of `iov_count` iovecs with `fd_count` descriptors as
// SCM_RIGHTS (none when 0). Returns what sendmsg returns.
long gmemd_send_with_fds(int fd, const struct iovec *iov, int iov_count, const int *fds, int fd_count);

// The SCM_RIGHTS descriptors one recvmsg can carry at most (SCM_MAX_FD, include/net/scm.h).
enum { GMEMD_SCM_MAX_FD = 253 };
#endif
