package io.jmio.examples.cli;

/** A command line that cannot be run: the CLI prints the message and the usage, then exits 2. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
