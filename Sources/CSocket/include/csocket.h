// Thin wrappers for socket calls Swift's Glibc module does not expose (accept4, epoll,
// eventfd) or cannot call (variadic fcntl). No logic lives here.
#ifndef GMEMD_CSOCKET_H
#define GMEMD_CSOCKET_H
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

int gmemd_accept4_nonblock(int fd);
int gmemd_set_nonblocking(int fd);
#endif
