#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include "csocket.h"

int gmemd_accept4_nonblock(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int gmemd_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

long gmemd_recv_with_fds(int fd, void *buffer, unsigned long length, int *fds, int max_fds, int *fd_count) {
    char control[CMSG_SPACE(sizeof(int) * GMEMD_SCM_MAX_FD)];
    struct iovec iov = { .iov_base = buffer, .iov_len = length };
    struct msghdr message = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
        .msg_controllen = CMSG_SPACE(sizeof(int) * (max_fds > 0 ? max_fds : 1)),
    };
    *fd_count = 0;
    long received = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (received < 0) return received;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds + *fd_count, CMSG_DATA(header), sizeof(int) * count);
        *fd_count += count;
    }
    return received;
}

long gmemd_send_with_fds(int fd, const struct iovec *iov, int iov_count, const int *fds, int fd_count) {
    char control[CMSG_SPACE(sizeof(int) * GMEMD_SCM_MAX_FD)];
    struct msghdr message = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iov_count };
    if (fd_count > 0) {
        message.msg_control = control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * fd_count);
    }
    return sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
}
