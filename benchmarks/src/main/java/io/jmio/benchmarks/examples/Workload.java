package io.jmio.benchmarks.examples;

import java.io.IOException;

/** What the client (redis-benchmark, wrk) runs against one server; one row group of a suite's table. */
interface Workload {
    /** The name CSV rows carry, such as {@code set-P16}. */
    String id();

    /** The name tables show, such as {@code SET -P 16}. */
    String label();

    /** Loads the server on {@code port} for about {@code millis}; returns the requests/s it reached (sizes the window). */
    double warmUp(int port, long millis) throws IOException, InterruptedException, ClientFailure;

    /** The measured window: loads the server for about {@code millis}, {@code warmRate} being what the warm-up reached. */
    ClientResult measure(int port, long millis, double warmRate) throws IOException, InterruptedException, ClientFailure;
}
