package io.jmio.examples.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * COMMAND and CONFIG: enough introspection for redis-cli and redis-benchmark to start (the
 * benchmark reads {@code save} and {@code appendonly} with CONFIG GET; redis-cli asks COMMAND
 * DOCS for its hints).
 */
final class ServerCommands {
    private static final byte[] COUNT = {'C', 'O', 'U', 'N', 'T'};
    private static final byte[] INFO = {'I', 'N', 'F', 'O'};
    private static final byte[] DOCS = {'D', 'O', 'C', 'S'};
    private static final byte[] LIST = {'L', 'I', 'S', 'T'};
    private static final byte[] GET = {'G', 'E', 'T'};
    private static final byte[] SET = {'S', 'E', 'T'};
    private static final byte[] RESETSTAT = {'R', 'E', 'S', 'E', 'T', 'S', 'T', 'A', 'T'};

    private ServerCommands() {}

    static void command(Request request, KvSession session) {
        RespWriter out = session.out;
        if (request.count() == 1) {
            out.arrayHeader(Commands.ALL.size());
            Commands.ALL.forEach(command -> writeInfo(out, command));
        } else if (request.is(1, COUNT) && request.count() == 2) {
            out.integer(Commands.ALL.size());
        } else if (request.is(1, LIST) && request.count() == 2) {
            out.arrayHeader(Commands.ALL.size());
            Commands.ALL.forEach(command -> out.bulk(command.name));
        } else if (request.is(1, INFO)) {
            List<Command> named = named(request, 2);
            out.arrayHeader(named.size());
            named.forEach(command -> {
                if (command == null) {
                    out.bulk((byte[]) null);
                } else {
                    writeInfo(out, command);
                }
            });
        } else if (request.is(1, DOCS)) {
            out.raw(RespWriter.EMPTY_ARRAY); // no documentation: clients fall back to their own hints
        } else {
            throw new RespError("ERR unknown subcommand '" + request.text(1, 128) + "'. Try COMMAND HELP.");
        }
    }

    /** The commands named from argument {@code from} on (null for unknown names); all if none are. */
    private static List<Command> named(Request request, int from) {
        if (request.count() == from) {
            return Commands.ALL;
        }
        List<Command> named = new ArrayList<>();
        for (int i = from; i < request.count(); i++) {
            String name = request.text(i, 64).toLowerCase(Locale.ROOT);
            named.add(Commands.ALL.stream().filter(c -> c.name.equals(name)).findFirst().orElse(null));
        }
        return named;
    }

    /** Redis's six-field command info: name, arity, flags, first key, last key, key step. */
    private static void writeInfo(RespWriter out, Command command) {
        out.arrayHeader(6);
        out.bulk(command.name);
        out.integer(command.arity);
        out.arrayHeader(command.flags.size());
        command.flags.forEach(out::simple);
        out.integer(command.firstKey);
        out.integer(command.lastKey);
        out.integer(command.keyStep);
    }

    static void config(Request request, KvSession session) {
        if (request.is(1, GET) && request.count() >= 3) {
            Map<String, String> matches = new LinkedHashMap<>();
            for (int i = 2; i < request.count(); i++) {
                String pattern = request.text(i, 256).toLowerCase(Locale.ROOT);
                session.config().forEach((name, value) -> {
                    if (Glob.matches(pattern, name)) {
                        matches.put(name, value);
                    }
                });
            }
            session.out.arrayHeader(matches.size() * 2);
            matches.forEach((name, value) -> {
                session.out.bulk(name);
                session.out.bulk(value.getBytes(StandardCharsets.UTF_8));
            });
        } else if (request.is(1, SET) && request.count() >= 4) {
            throw new RespError("ERR CONFIG SET is not supported by this server ('" + request.text(2, 128) + "')");
        } else if (request.is(1, RESETSTAT) && request.count() == 2) {
            session.out.raw(RespWriter.OK);
        } else {
            throw new RespError("ERR unknown subcommand or wrong number of arguments for '" + request.text(1, 128)
                    + "'. Try CONFIG HELP.");
        }
    }
}
