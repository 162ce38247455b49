/*
 * The C reference of the echo comparison: one thread, edge-triggered epoll, one 16 KiB buffer per
 * connection. Every event runs the same step: flush what is pending, then read until EAGAIN or a
 * short read, so an edge is never lost and a slow reader only stops this connection's reads. A read
 * shorter than the buffer emptied the socket: on Linux the next byte or FIN raises a new edge, so
 * the EAGAIN read is skipped unless the event already reported a hang-up (nginx and tokio do the
 * same; jmio's servers in the comparison follow the same rule) or urgent data (EPOLLPRI, registered
 * for that reason): a read stops short at the urgent mark with more queued behind it.
 *
 * usage: echo_server --port N      (prints "listening on 127.0.0.1:N" to stderr)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn { int fd; size_t off, len; char buf[16384]; };

static void die(const char *what) { perror(what); exit(1); }

static void drive(int ep, struct conn *c, uint32_t events) {
    int drained = 0;
    for (;;) {
        while (c->off < c->len) {
            ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
            if (n < 0) { if (errno == EAGAIN) return; if (errno == EINTR) continue; goto gone; }
            c->off += (size_t) n;
        }
        if (drained) return;
        ssize_t n = read(c->fd, c->buf, sizeof c->buf);
        if (n < 0) { if (errno == EAGAIN) return; if (errno == EINTR) continue; goto gone; }
        if (n == 0) goto gone;
        c->off = 0;
        c->len = (size_t) n;
        drained = c->len < sizeof c->buf && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLPRI));
    }
gone:
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

int main(int argc, char **argv) {
    int port = 0;
    for (int i = 1; i + 1 < argc; i++) if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    if (bind(lfd, (struct sockaddr *) &a, sizeof a) || listen(lfd, 1024)) die("bind/listen");
    getsockname(lfd, (struct sockaddr *) &a, &alen);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = NULL };
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) die("epoll");
    fprintf(stderr, "listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr) { drive(ep, events[i].data.ptr, events[i].events); continue; }
            int fd;
            while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                struct conn *c = calloc(1, sizeof *c);
                if (!c) die("calloc");
                c->fd = fd;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event cev = { .events = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev)) die("epoll_ctl");
            }
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) die("accept4");
        }
    }
}
