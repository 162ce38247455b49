package io.jmio.benchmarks.examples;

/**
 * One contender under one workload in one round.
 *
 * @param client              what the client reported
 * @param cpuMicrosPerRequest server CPU time (user + system, all threads of all its processes) per request
 * @param serverBusy          share of its one CPU the server used over the window (1.0 = saturated)
 * @param heapBytesPerRequest heap bytes the server's JVM(s) allocated per request (all threads but the
 *                            probe's); NaN when no process is a JVM
 */
record Measurement(ClientResult client, double cpuMicrosPerRequest, double serverBusy, double heapBytesPerRequest) {}
