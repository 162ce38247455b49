package io.jmio.benchmarks.examples;

/**
 * What the client reported for one run.
 *
 * @param requests     requests completed
 * @param perSecond    requests per second (the client's own clock)
 * @param p50Micros    median latency
 * @param p99Micros    99th percentile latency
 */
record ClientResult(long requests, double perSecond, double p50Micros, double p99Micros) {}
