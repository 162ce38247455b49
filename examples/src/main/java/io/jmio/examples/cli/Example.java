package io.jmio.examples.cli;

import java.io.PrintStream;
import java.util.List;

/** One runnable example of the CLI: its name, a one-line summary, its options, and its program. */
public final class Example {
    /** Runs the example with checked options; returns the process exit code. */
    @FunctionalInterface
    public interface Program {
        int run(Options options) throws Exception;
    }

    public final String name;
    public final String summary;
    public final List<Option> options;
    private final Program program;

    public Example(String name, String summary, List<Option> options, Program program) {
        this.name = name;
        this.summary = summary;
        this.options = List.copyOf(options);
        this.program = program;
    }

    public int run(Options options) throws Exception {
        return program.run(options);
    }

    /** The example's own usage: what it does and every option with its default. */
    public void printUsage(PrintStream out) {
        out.println("usage: java -jar jmio-examples.jar " + name + " [options]");
        out.println(summary);
        out.println();
        out.println("options:");
        for (Option option : options) {
            String left = "--" + option.name + (option.isFlag() ? "" : " " + option.valueName);
            String right = option.help + (option.isFlag() || option.optional ? ""
                    : option.defaultValue == null ? " (required)" : " (default " + option.defaultValue + ")");
            out.printf("  %-28s %s%n", left, right);
        }
        out.printf("  %-28s %s%n", "--help", "print this help");
    }
}
