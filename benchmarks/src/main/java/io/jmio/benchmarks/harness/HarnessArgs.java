package io.jmio.benchmarks.harness;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** The command-line shape every harness shares: an optional mode flag, then {@code --option value} pairs. */
public final class HarnessArgs {
    private HarnessArgs() {}

    /**
     * Calls {@code mode} for each of {@code modes} present in {@code args} first, so that explicit options
     * override a mode's defaults wherever they appear, then {@code option} for every other
     * {@code --name value} pair. {@code --help} and an option without its value throw
     * IllegalArgumentException carrying {@code usage}; so should {@code option} for a name it does not know.
     */
    public static void parse(String[] args, String usage, List<String> modes, Consumer<String> mode,
                             BiConsumer<String, String> option) {
        List<String> list = Arrays.asList(args);
        for (String m : modes) {
            if (list.contains(m)) mode.accept(m);
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (modes.contains(arg)) continue;
            if (arg.equals("--help") || arg.equals("-h")) throw new IllegalArgumentException(usage);
            if (i + 1 == args.length) throw new IllegalArgumentException(arg + " needs a value\n" + usage);
            option.accept(arg, args[++i]);
        }
    }

    /** {@code value} as an int of at least {@code min}, or an IllegalArgumentException naming {@code option}. */
    public static int number(String option, String value, int min) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n < min) throw new IllegalArgumentException(option + " must be at least " + min + ": " + value);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number, not '" + value + "'");
        }
    }
}
