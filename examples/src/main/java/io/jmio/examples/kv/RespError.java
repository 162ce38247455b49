package io.jmio.examples.kv;

/**
 * An error reply ({@code -ERR ...}) thrown by a command or the parser. The common ones are
 * preallocated and carry no stack trace, so a client that sends {@code INCR} to a non-number
 * costs no allocation: errors are part of the protocol here, not exceptional.
 */
final class RespError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final RespError NOT_AN_INTEGER = new RespError("ERR value is not an integer or out of range");
    static final RespError SYNTAX = new RespError("ERR syntax error");
    static final RespError OVERFLOW = new RespError("ERR increment or decrement would overflow");

    /** A protocol error: the reply is sent, then the connection is closed. */
    final boolean fatal;

    RespError(String message) {
        this(message, false);
    }

    private RespError(String message, boolean fatal) {
        super(message, null, false, false);
        this.fatal = fatal;
    }

    /** A malformed request: {@code -ERR Protocol error: ...}, then the connection closes. */
    static RespError protocol(String detail) {
        return fatal("ERR Protocol error: " + detail);
    }

    /** An error after which the connection's stream cannot go on: reply, then close. */
    static RespError fatal(String message) {
        return new RespError(message, true);
    }
}
