/*
 * Load generator of the echo comparison: CONNS connections on one thread (edge-triggered epoll),
 * each sending SIZE bytes and waiting for the whole echo before sending again (ping-pong).
 * Runs WARMUP_MS, then a measured window of MEASURE_MS, then lets every connection finish its
 * round trip and closes cleanly (no reset reaches the server).
 *
 * Every echoed byte is compared with what was sent: message `seq` of connection `c` is the byte
 * ramp starting at (seq + c) & 0xff, so stale, shifted, crossed or truncated echoes all fail.
 * With the optional last argument `lines`, each message is a line instead: SIZE - 1 printable
 * bytes (a ramp over '!'..'~' starting at (seq + c) % 94), then '\n'.
 *
 * Built with -DLOADGEN_TLS (and -lssl -lcrypto), the last argument may be `tls` instead: every
 * connection is TLS 1.3 with TLS_AES_128_GCM_SHA256 through OpenSSL (no certificate check: the
 * harness made the server's key itself), handshaken before the run, the messages its application
 * data, closed with close_notify; the result line then ends in tls=PROTOCOL/CIPHER.
 *
 * usage: loadgen HOST PORT CONNS SIZE WARMUP_MS MEASURE_MS [lines|tls]
 * stdout, one line each: "connected N", "window-start", "window-end", then
 *   "result rtts=R seconds=S rtt_per_s=X p50_us=A p99_us=B max_us=C client_cpu=F"
 * (latencies in whole microseconds, 1000000 meaning "1 s or more"; client_cpu is the share of one
 * CPU this process used during the window). Any misbehaving server: message on stderr, exit 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef LOADGEN_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define HIST_US 1000000 /* 1 µs buckets up to 1 s; slower round trips share the last */

enum phase { WARMUP, MEASURE, DRAIN };

struct conn { int fd, id, busy; uint32_t seq; size_t sent, got; uint64_t t0; unsigned char *line; void *ssl; };

static size_t size;
static int lines; /* line mode: messages are built per connection into conn.line */
static unsigned char *pattern, *rbuf;
static uint32_t hist[HIST_US + 1];
static uint64_t rtts, max_ns;
static int outstanding;
static enum phase phase;

static void fail(const char *what, int id) {
    fprintf(stderr, "loadgen: connection %d: %s%s%s\n", id, what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

#ifdef LOADGEN_TLS
static SSL_CTX *tls_ctx;

static void tls_fail(const char *what, int id, int error) {
    char detail[256];
    ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
    fprintf(stderr, "loadgen: connection %d: %s: SSL error %d (%s)%s%s\n", id, what, error, detail,
            errno ? ", " : "", errno ? strerror(errno) : "");
    exit(1);
}

/* SSL_read/SSL_write's result as read/write's: n > 0, 0 at the end of the stream, -1 with EAGAIN. */
static ssize_t tls_result(struct conn *c, int n, const char *what) {
    if (n > 0) return n;
    int error = SSL_get_error(c->ssl, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) { errno = EAGAIN; return -1; }
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    if (error == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0) return 0; /* end of stream, no close_notify */
    tls_fail(what, c->id, error);
    return -1;
}
#endif

static ssize_t conn_write(struct conn *c, const void *bytes, size_t n) {
#ifdef LOADGEN_TLS
    if (c->ssl) { errno = 0; return tls_result(c, SSL_write(c->ssl, bytes, (int) n), "SSL_write"); }
#endif
    return write(c->fd, bytes, n);
}

static ssize_t conn_read(struct conn *c, void *bytes, size_t n) {
#ifdef LOADGEN_TLS
    if (c->ssl) { errno = 0; return tls_result(c, SSL_read(c->ssl, bytes, (int) n), "SSL_read"); }
#endif
    return read(c->fd, bytes, n);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static const unsigned char *message(const struct conn *c) {
    return lines ? c->line : pattern + ((c->seq + (uint32_t) c->id) & 0xff);
}

static void begin(struct conn *c) {
    if (lines) {
        uint32_t start = (c->seq + (uint32_t) c->id) % 94;
        for (size_t i = 0; i + 1 < size; i++) c->line[i] = (unsigned char) ('!' + (start + i) % 94);
        c->line[size - 1] = '\n';
    }
    c->busy = 1;
    c->sent = c->got = 0;
    c->t0 = now_ns();
    outstanding++;
}

static void complete(struct conn *c) {
    uint64_t rtt = now_ns() - c->t0;
    c->busy = 0;
    c->seq++;
    outstanding--;
    if (phase == MEASURE) {
        uint64_t us = rtt / 1000;
        hist[us < HIST_US ? us : HIST_US]++;
        if (rtt > max_ns) max_ns = rtt;
        rtts++;
    }
    if (phase != DRAIN) begin(c);
}

static void send_rest(struct conn *c) {
    while (c->sent < size) {
        ssize_t n = conn_write(c, message(c) + c->sent, size - c->sent);
        if (n < 0) { if (errno == EAGAIN) return; if (errno == EINTR) continue; fail("write", c->id); }
        c->sent += (size_t) n;
    }
}

/*
 * Runs on every event: send what is left, then read what is due, checking each byte. After a full
 * echo the next message goes out and the loop returns without the read that would only say EAGAIN:
 * nothing more can arrive before that message is echoed, and its arrival is a new edge. That keeps
 * the client's work per round trip below the server's (one write, one read).
 */
static void drive(struct conn *c) {
    for (;;) {
        if (c->busy) send_rest(c);
        /* An idle connection expects nothing: read one byte to catch a server that sends extra. */
        size_t want = c->busy ? size - c->got : 1;
        ssize_t n = conn_read(c, rbuf, want);
        if (n < 0) { if (errno == EAGAIN) return; if (errno == EINTR) continue; fail("read", c->id); }
        errno = 0;
        if (n == 0) fail("server closed the connection", c->id);
        if (!c->busy || (size_t) n > c->sent - c->got) fail("server sent bytes that were never sent to it", c->id);
        if (memcmp(rbuf, message(c) + c->got, (size_t) n)) fail("echoed bytes differ from the bytes sent", c->id);
        c->got += (size_t) n;
        if (c->got == size) {
            complete(c);
            if (c->busy) send_rest(c);
            return;
        }
    }
}

static uint32_t percentile_us(double p) {
    uint64_t target = (uint64_t) (p * (double) rtts + 0.999999), seen = 0;
    for (uint32_t us = 0; us <= HIST_US; us++) if ((seen += hist[us]) >= target && seen > 0) return us;
    return HIST_US;
}

int main(int argc, char **argv) {
    if (argc != 7 && !(argc == 8 && (!strcmp(argv[7], "lines") || !strcmp(argv[7], "tls")))) {
        fprintf(stderr, "usage: loadgen HOST PORT CONNS SIZE WARMUP_MS MEASURE_MS [lines|tls]\n");
        return 2;
    }
    lines = argc == 8 && !strcmp(argv[7], "lines");
    int tls = argc == 8 && !strcmp(argv[7], "tls");
#ifdef LOADGEN_TLS
    if (tls) {
        tls_ctx = SSL_CTX_new(TLS_client_method());
        if (!tls_ctx || !SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION)
                || !SSL_CTX_set_max_proto_version(tls_ctx, TLS1_3_VERSION)
                || !SSL_CTX_set_ciphersuites(tls_ctx, "TLS_AES_128_GCM_SHA256")) tls_fail("SSL_CTX setup", -1, 0);
        SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
    }
#else
    if (tls) { fprintf(stderr, "loadgen: built without TLS (compile with -DLOADGEN_TLS -lssl -lcrypto)\n"); return 2; }
#endif
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[2])) };
    int conns = atoi(argv[3]);
    long warmup_ms = atol(argv[5]), measure_ms = atol(argv[6]);
    size = (size_t) atol(argv[4]);
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || conns < 1 || size < 1 || size > (1 << 24)
            || warmup_ms < 0 || measure_ms < 1 || (lines && size < 2)) {
        fprintf(stderr, "loadgen: bad arguments\n");
        return 2;
    }
    pattern = malloc(size + 256);
    rbuf = malloc(size);
    struct conn *cs = calloc((size_t) conns, sizeof *cs);
    struct epoll_event *events = calloc((size_t) conns, sizeof *events);
    unsigned char *line_bufs = lines ? malloc((size_t) conns * size) : NULL;
    int ep = epoll_create1(EPOLL_CLOEXEC), one = 1;
    if (!pattern || !rbuf || !cs || !events || ep < 0 || (lines && !line_bufs)) fail("setup", -1);
    for (size_t i = 0; i < size + 256; i++) pattern[i] = (unsigned char) i;

    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        c->id = i;
        if (lines) c->line = line_bufs + (size_t) i * size;
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *) &a, sizeof a)) fail("connect", i);
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef LOADGEN_TLS
        if (tls) { /* handshaken while still blocking: the run measures records, not handshakes */
            SSL *ssl = SSL_new(tls_ctx);
            if (!ssl || !SSL_set_fd(ssl, c->fd)) tls_fail("SSL_new", i, 0);
            int r = SSL_connect(ssl);
            if (r != 1) tls_fail("handshake", i, SSL_get_error(ssl, r));
            c->ssl = ssl;
        }
#endif
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) fail("epoll_ctl", i);
    }
    printf("connected %d\n", conns);
    fflush(stdout);

    uint64_t start = now_ns() + (uint64_t) warmup_ms * 1000000u, end = start + (uint64_t) measure_ms * 1000000u;
    uint64_t window_start = 0, window_end = 0, drain_deadline = 0;
    double cpu_start = 0, cpu_end = 0;
    for (int i = 0; i < conns; i++) { begin(&cs[i]); drive(&cs[i]); }
    for (;;) {
        uint64_t t = now_ns();
        if (phase == WARMUP && t >= start) {
            phase = MEASURE;
            printf("window-start\n");
            fflush(stdout);
            window_start = now_ns();
            cpu_start = cpu_seconds();
        }
        if (phase == MEASURE && t >= end) {
            window_end = now_ns();
            cpu_end = cpu_seconds();
            phase = DRAIN;
            drain_deadline = window_end + 5000000000u;
            printf("window-end\n");
            fflush(stdout);
        }
        if (phase == DRAIN && outstanding == 0) break;
        if (phase == DRAIN && t >= drain_deadline) { errno = 0; fail("echo still missing 5 s after the window", -1); }
        uint64_t next = phase == WARMUP ? start : phase == MEASURE ? end : drain_deadline;
        int timeout_ms = next > t ? (int) ((next - t) / 1000000u) + 1 : 0;
        int n = epoll_wait(ep, events, conns, timeout_ms > 100 ? 100 : timeout_ms);
        if (n < 0 && errno != EINTR) fail("epoll_wait", -1);
        for (int i = 0; i < n; i++) drive(events[i].data.ptr);
    }
    const char *tls_name = "";
#ifdef LOADGEN_TLS
    static char negotiated[128];
    if (tls) {
        snprintf(negotiated, sizeof negotiated, " tls=%s/%s", SSL_get_version(cs[0].ssl), SSL_get_cipher_name(cs[0].ssl));
        tls_name = negotiated;
    }
    for (int i = 0; i < conns; i++) if (cs[i].ssl) { SSL_shutdown(cs[i].ssl); SSL_free(cs[i].ssl); }
#endif
    for (int i = 0; i < conns; i++) close(cs[i].fd);
    if (rtts == 0) { errno = 0; fail("no round trip completed in the measured window", -1); }

    double seconds = (double) (window_end - window_start) / 1e9;
    printf("result rtts=%llu seconds=%.6f rtt_per_s=%.1f p50_us=%u p99_us=%u max_us=%llu client_cpu=%.3f%s\n",
           (unsigned long long) rtts, seconds, (double) rtts / seconds, percentile_us(0.50), percentile_us(0.99),
           (unsigned long long) (max_ns / 1000), (cpu_end - cpu_start) / seconds, tls_name);
    return 0;
}
