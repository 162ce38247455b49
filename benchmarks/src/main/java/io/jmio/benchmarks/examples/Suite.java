package io.jmio.benchmarks.examples;

import java.util.List;

/**
 * One comparison: contenders under the same client workloads, each figure taken as a ratio to the
 * first contender (the reference) measured in the same round.
 *
 * @param id          the name {@code --suites} takes
 * @param title       the heading of its table
 * @param contenders  the reference first
 * @param workloads   what the client runs against each contender, in order
 * @param target      the requests/s ratio every non-reference contender aims for on every workload; NaN for none
 */
record Suite(String id, String title, List<Contender> contenders, List<Workload> workloads, double target) {
    Contender reference() {
        return contenders.get(0);
    }
}
