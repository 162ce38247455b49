/*
 * The C reference for BackendCallBenchmark: the same libc calls in a plain loop, so the JVM
 * backends' per-call overhead is their time minus this. Prints nanoseconds per operation over 5
 * rounds of 1 s each: the median, and the best round (steadier on a busy machine). Build and run
 * with syscall-loop.sh.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int sv[2];
static int epfd;
static char data[64];
static struct epoll_event events[16];
static volatile long sink;

static void write_read_64(void) {
    sink += write(sv[0], data, 64);
    sink += read(sv[1], data, 64);
}

static void read_would_block(void) {
    sink += read(sv[1], data, 64);
}

static void epoll_wait_now(void) {
    sink += epoll_wait(epfd, events, 16, 0);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Runs op for about a second per round; prints the median and best rounds' ns per call. */
static void measure(const char *name, void (*op)(void)) {
    double rounds[5];
    for (int r = 0; r < 5; r++) {
        long calls = 0;
        double start = now(), elapsed;
        do {
            for (int i = 0; i < 10000; i++) op();
            calls += 10000;
            elapsed = now() - start;
        } while (elapsed < 1.0);
        rounds[r] = elapsed * 1e9 / calls;
    }
    qsort(rounds, 5, sizeof rounds[0], by_value);
    if (name != NULL) printf("%-16s %8.1f ns/op median, %8.1f best\n", name, rounds[2], rounds[0]);
}

int main(void) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) { perror("socketpair"); return 1; }
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) { perror("epoll_create1"); return 1; }
    memset(data, 7, sizeof data);
    measure(NULL, write_read_64); /* warm-up: page in, settle the CPU clock */
    measure("writeRead64", write_read_64);
    measure("readWouldBlock", read_would_block);
    measure("epollWaitNow", epoll_wait_now);
    return 0;
}
