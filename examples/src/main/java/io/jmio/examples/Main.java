package io.jmio.examples;

/** Entry point of {@code jmio-examples.jar}: {@code java -jar jmio-examples.jar <example> [options]}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("usage: java -jar jmio-examples.jar <example> [options]");
        System.exit(2);
    }
}
