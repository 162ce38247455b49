package io.jmio.benchmarks.examples;

/** A client run that gave no trustworthy figures: it failed, hung, or reported errors from the server. */
final class ClientFailure extends Exception {
    ClientFailure(String message) {
        super(message);
    }
}
