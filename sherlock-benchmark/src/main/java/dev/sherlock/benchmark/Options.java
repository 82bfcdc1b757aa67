package dev.sherlock.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's options.
 *
 * @param backends the backends to run, in order
 * @param each how long P1 and P3 measure each contender per repetition
 * @param repetitions how many times every measurement is repeated; the report gives the median
 * @param handoffs hand-offs per contender and repetition (P2)
 * @param heldLocks locks held at once in P4, or 0 to skip it
 * @param heldExpire the expiry of the locks held in P4; they are renewed every third of it
 * @param out the folder the results are written to
 * @param command the command line, for the report
 */
record Options(List<String> backends, Duration each, int repetitions, int handoffs, int heldLocks,
        Duration heldExpire, Path out, String command) {

    private static final Logger logger = LoggerFactory.getLogger(Options.class);

    private static final String USAGE = """
            ./scripts/benchmark.sh [--backends redis,etcd,memcached,file,kubernetes] [--seconds 3] [--repetitions 3]
                                   [--handoffs 100] [--held 10000] [--held-expire 30]
                                   [--out docs/benchmark]""";

    /** The options of {@code args}, or {@code null} after printing the usage for {@code --help}. */
    static Options parse(String[] args) {
        List<String> backends = List.of("redis", "etcd", "memcached", "file", "kubernetes");
        int seconds = 3;
        int repetitions = 3;
        int handoffs = 100;
        int held = 10_000;
        int heldExpire = 30;
        Path out = Path.of("docs", "benchmark");
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help")) {
                logger.info("Usage:\n{}", USAGE);
                return null;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + name + " needs a value. Usage:\n" + USAGE);
            }
            String value = args[++i];
            switch (name) {
                case "--backends" -> backends = List.of(value.split(","));
                case "--seconds" -> seconds = positive(name, value);
                case "--repetitions" -> repetitions = positive(name, value);
                case "--handoffs" -> handoffs = positive(name, value);
                case "--held" -> held = Integer.parseInt(value);
                case "--held-expire" -> heldExpire = positive(name, value);
                case "--out" -> out = Path.of(value);
                default -> throw new IllegalArgumentException("Unknown option " + name + ". Usage:\n" + USAGE);
            }
        }
        return new Options(backends, Duration.ofSeconds(seconds), repetitions, handoffs, held,
                Duration.ofSeconds(heldExpire), out,
                "./scripts/benchmark.sh" + (args.length == 0 ? "" : " " + String.join(" ", args)));
    }

    private static int positive(String name, String value) {
        int number = Integer.parseInt(value);
        if (number <= 0) {
            throw new IllegalArgumentException("Option " + name + " must be positive, not " + value);
        }
        return number;
    }
}
