package io.jmio.examples.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An example's parsed and checked options. {@code --name VALUE} and {@code --name=VALUE} both work,
 * in any order, and a flag is {@code --name} alone; an option given twice, an unknown option, a
 * missing value, a value given to a flag or a bad value is a {@link UsageException}.
 *
 * <pre>{@code
 * Options options = Options.parse(List.of("--port", "0"), List.of(Option.host(), Option.port(7000)));
 * InetSocketAddress address = options.address(); // 127.0.0.1:0
 * }</pre>
 */
public final class Options {
    private final Map<String, Object> values;

    private Options(Map<String, Object> values) {
        this.values = values;
    }

    /** Parses {@code tokens} (the options only, without the example's name) against {@code accepted}. */
    public static Options parse(List<String> tokens, List<Option> accepted) throws UsageException {
        Map<String, Option> byName = new LinkedHashMap<>();
        for (Option option : accepted) {
            byName.put(option.name, option);
        }
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (!token.startsWith("--") || token.length() == 2) {
                throw new UsageException((token.startsWith("-") ? "unknown option '" : "unexpected argument '") + token + "'");
            }
            int equals = token.indexOf('=');
            String name = equals < 0 ? token.substring(2) : token.substring(2, equals);
            Option option = byName.get(name);
            if (option == null) {
                throw new UsageException("unknown option --" + name);
            }
            String value;
            if (option.isFlag()) {
                if (equals >= 0) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = Option.FLAG_GIVEN;
            } else if (equals >= 0) {
                value = token.substring(equals + 1);
            } else if (i + 1 < tokens.size()) {
                value = tokens.get(++i);
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
            if (raw.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Option option : accepted) {
            String value = raw.getOrDefault(option.name, option.defaultValue);
            if (value == null) {
                if (option.optional) {
                    values.put(option.name, null);
                    continue;
                }
                throw new UsageException("--" + option.name + " " + option.valueName + " is required");
            }
            values.put(option.name, option.parser.parse(option.name, value));
        }
        return new Options(values);
    }

    /** {@code --host} and {@code --port} as one address. */
    public InetSocketAddress address() {
        return new InetSocketAddress((InetAddress) get("host"), integer("port"));
    }

    /** {@code --threads}. */
    public int threads() {
        return integer("threads");
    }

    public int integer(String name) {
        return Math.toIntExact(longValue(name));
    }

    public long longValue(String name) {
        return (Long) get(name);
    }

    public String string(String name) {
        return (String) get(name);
    }

    public InetSocketAddress hostPort(String name) {
        return (InetSocketAddress) get(name);
    }

    /** A flag: whether it was given. */
    public boolean flag(String name) {
        return (Boolean) get(name);
    }

    /** An optional file, or null when it was left out. */
    public Path path(String name) {
        return (Path) get(name);
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("this example declares no option --" + name);
        }
        return values.get(name);
    }
}
