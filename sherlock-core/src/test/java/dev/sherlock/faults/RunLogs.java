package dev.sherlock.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the logs of the {@link FaultWorker}s of one run as they grow (see the worker for the line format): the
 * acquisitions so far, which of them are still held, and the failed acquires and lost-lock signals.
 */
final class RunLogs {

    /**
     * One acquisition as its worker saw it.
     * @see FaultWorker
     */
    static final class Acquisition {

        final String worker;

        final String actor;

        final long token;

        /** {@link System#nanoTime()} when the first attempt was sent, or {@link SendTimes#UNKNOWN}. */
        final long sent;

        /** When acquire returned: the belief starts here. */
        final long returned;

        /** The start of the last {@code isHeldByCurrentThread()} that answered true, or {@code returned}. */
        long lastBelief;

        boolean believed;

        /** How many checks answered true: the worker checks before it registers, before it writes, and after. */
        int beliefs;

        /** The outcome, or null while the hold goes on (or its worker was killed in it). */
        String outcome;

        Acquisition(String worker, String actor, long token, long sent, long returned) {
            this.worker = worker;
            this.actor = actor;
            this.token = token;
            this.sent = sent;
            this.returned = returned;
            this.lastBelief = returned;
        }

        @Override
        public String toString() {
            return actor + " token " + token + " sent " + sent + " returned " + returned + " believed until "
                    + (believed ? lastBelief : "never") + " outcome " + outcome;
        }
    }

    private final Path directory;

    private final Map<Path, Long> offsets = new HashMap<>();

    private final Map<String, Long> pids = new LinkedHashMap<>();

    private final List<Acquisition> acquisitions = new ArrayList<>();

    private final Map<String, Acquisition> current = new HashMap<>();

    private int acquireTimeouts;

    private int acquireErrors;

    private int lossSignals;

    RunLogs(Path directory) {
        this.directory = directory;
    }

    /** Reads what the workers wrote since the last call. */
    synchronized RunLogs poll() {
        try (Stream<Path> logs = Files.list(directory)) {
            for (Path log : logs.filter(path -> path.getFileName().toString().endsWith(".log")).sorted().toList()) {
                read(log);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    private void read(Path log) throws IOException {
        String worker = log.getFileName().toString().replace(".log", "");
        long offset = offsets.getOrDefault(log, 0L);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= offset) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - offset));
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // read up to the size seen
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            int end = text.lastIndexOf('\n') + 1;
            for (String line : text.substring(0, end).split("\n")) {
                if (!line.isEmpty()) {
                    parse(worker, line.split(" "));
                }
            }
            offsets.put(log, offset + end);
        }
    }

    private void parse(String worker, String[] f) {
        switch (f[0]) {
            case "P" -> pids.put(worker, Long.parseLong(f[1]));
            case "A" -> {
                Acquisition acquisition = new Acquisition(worker, f[1], Long.parseLong(f[3]), Long.parseLong(f[4]),
                        Long.parseLong(f[5]));
                acquisitions.add(acquisition);
                current.put(f[1], acquisition);
            }
            case "H" -> {
                Acquisition acquisition = current.get(f[1]);
                acquisition.believed = true;
                acquisition.beliefs++;
                acquisition.lastBelief = Math.max(acquisition.lastBelief, Long.parseLong(f[3]));
            }
            case "O" -> current.remove(f[1]).outcome = f[3];
            case "E" -> {
                if (f[2].equals("timeout")) {
                    acquireTimeouts++;
                }
                else {
                    acquireErrors++;
                }
            }
            case "L" -> lossSignals++;
            default -> throw new IllegalStateException("Unknown line in the log of " + worker + ": "
                    + String.join(" ", f));
        }
    }

    /** The acquisitions read so far, in the order each worker logged them. */
    synchronized List<Acquisition> acquisitions() {
        return List.copyOf(acquisitions);
    }

    synchronized int count() {
        return acquisitions.size();
    }

    /** The acquisitions whose holder has not logged an outcome yet. */
    synchronized List<Acquisition> open() {
        return List.copyOf(current.values());
    }

    synchronized boolean isOpen(Acquisition acquisition) {
        return current.get(acquisition.actor) == acquisition;
    }

    synchronized Long pid(String worker) {
        return pids.get(worker);
    }

    synchronized int acquireTimeouts() {
        return acquireTimeouts;
    }

    synchronized int acquireErrors() {
        return acquireErrors;
    }

    synchronized int lossSignals() {
        return lossSignals;
    }
}
