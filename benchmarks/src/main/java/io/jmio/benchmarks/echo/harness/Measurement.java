package io.jmio.benchmarks.echo.harness;

/**
 * What one server did in one scenario of one round, over the measured window.
 *
 * @param rttPerSecond    round trips completed per second (load generator's clock)
 * @param p50Micros       median round-trip latency, 1 µs resolution
 * @param p99Micros       99th percentile round-trip latency
 * @param cpuMicrosPerRtt server CPU time (user + system, all threads) per round trip
 * @param heapBytesPerRtt bytes the server allocated on the heap per round trip; NaN for native servers
 * @param serverBusy      share of its one CPU the server used (1.0 = saturated)
 * @param clientBusy      share of its one CPU the load generator used; near 1.0 it may be the limit
 */
public record Measurement(double rttPerSecond, double p50Micros, double p99Micros, double cpuMicrosPerRtt,
                   double heapBytesPerRtt, double serverBusy, double clientBusy) {}
