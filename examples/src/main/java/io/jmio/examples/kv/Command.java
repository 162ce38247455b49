package io.jmio.examples.kv;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One command: its name, its arity and key positions (as Redis's COMMAND reports them), and what
 * it does. Arity counts the name: positive is exact, negative a minimum.
 */
final class Command {
    /** Runs a request whose name and arity were checked; replies through the session's writer. */
    @FunctionalInterface
    interface Handler {
        void run(Request request, KvSession session);
    }

    final String name;
    final byte[] upperName;
    final int arity;
    final List<String> flags;
    final int firstKey;
    final int lastKey;
    final int keyStep;
    final Handler handler;

    Command(String name, int arity, String flags, int firstKey, int lastKey, int keyStep, Handler handler) {
        this.name = name;
        this.upperName = name.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        this.arity = arity;
        this.flags = List.of(flags.split(" "));
        this.firstKey = firstKey;
        this.lastKey = lastKey;
        this.keyStep = keyStep;
        this.handler = handler;
    }

    boolean acceptsArgumentCount(int count) {
        return arity >= 0 ? count == arity : count >= -arity;
    }

    /** {@code ERR wrong number of arguments for 'get' command}. */
    RespError arityError() {
        return new RespError("ERR wrong number of arguments for '" + name + "' command");
    }
}
