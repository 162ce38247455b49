package io.jmio.benchmarks.examples;

/**
 * One row of a suite: a server the load is driven against, possibly in front of another process.
 *
 * @param id       the name CSV rows carry
 * @param label    the name tables show
 * @param server   the process the client connects to
 * @param upstream a process started first whose address {@code server} gets as {@code --upstream HOST:PORT}
 *                 (the proxy's HTTP server); null when there is none
 */
record Contender(String id, String label, Launch server, Launch upstream) {
    static Contender of(String id, String label, Launch server) {
        return new Contender(id, label, server, null);
    }
}
