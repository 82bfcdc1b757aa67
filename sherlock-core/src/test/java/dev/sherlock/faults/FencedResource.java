package dev.sherlock.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared resource the fault scenarios protect: a counter on local disk that every worker process updates under
 * an OS file lock ({@link FileChannel#lock()}), guarded by fencing tokens.
 *
 * <p>The file is a journal of fixed-size records, one per operation, each written with one {@code write} of
 * {@value #RECORD} bytes that never crosses a page: a worker killed at any moment leaves either the whole record or
 * none. Each record carries the resource's state after it (highest token seen, counter, accepted writes), so the
 * last record is the current state and the journal is the full history, with the {@link System#nanoTime()} of each
 * operation (one monotonic clock for every process of a Linux machine).
 *
 * <p>Operations, each atomic under the OS lock:
 * <ul>
 * <li>{@code register(token)}: a new holder announces its fencing token; the highest token seen rises to it.</li>
 * <li>{@code read(token)}: returns the counter.</li>
 * <li>{@code write(token, value)}: sets the counter.</li>
 * </ul>
 * Every operation whose token is lower than the highest token seen so far is <em>rejected</em> and changes nothing:
 * its holder has been superseded by one that already reached the resource. A holder that registers before it reads
 * therefore never loses an update to a superseded holder, whatever the timing, as long as tokens increase with
 * acquisition order.
 */
final class FencedResource implements AutoCloseable {

    /** Bytes per journal record; divides the page size, so a record never straddles two pages. */
    static final int RECORD = 128;

    /** One process may hold one OS lock on the file: the threads of a worker JVM take turns first. */
    private static final Object jvmLock = new Object();

    private final FileChannel channel;

    FencedResource(Path file) {
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot open the fenced resource " + file, ex);
        }
    }

    /** The outcome of one operation: whether it was accepted, and the counter after it. */
    record Outcome(boolean accepted, long counter) {
    }

    Outcome register(String actor, long token) {
        return apply('R', actor, token, null);
    }

    Outcome read(String actor, long token) {
        return apply('G', actor, token, null);
    }

    Outcome write(String actor, long token, long value) {
        return apply('W', actor, token, value);
    }

    private Outcome apply(char kind, String actor, long token, Long value) {
        synchronized (jvmLock) {
            try (FileLock ignored = channel.lock()) {
                long size = channel.size();
                // A record is written whole or not at all; the floor only guards against a foreign partial write.
                long end = size - size % RECORD;
                Entry last = end == 0 ? Entry.EMPTY : readAt(end - RECORD);
                boolean accepted = token >= last.highest();
                long highest = accepted ? token : last.highest();
                long counter = accepted && value != null ? value : last.counter();
                long writes = last.acceptedWrites() + (accepted && kind == 'W' ? 1 : 0);
                Entry entry = new Entry(kind, actor, token, System.nanoTime(), accepted, highest, counter, writes);
                ByteBuffer record = ByteBuffer.wrap(entry.encode());
                long position = end;
                while (record.hasRemaining()) {
                    position += channel.write(record, position);
                }
                return new Outcome(accepted, counter);
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Fenced resource: " + kind + " of token " + token + " failed", ex);
            }
        }
    }

    private Entry readAt(long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(RECORD);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("Fenced resource: journal ends inside a record at " + position);
            }
        }
        return Entry.decode(new String(buffer.array(), StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        try {
            channel.close();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The highest token the resource has seen, from the journal's last record, while workers use it.
     * @return the token, or {@link Long#MIN_VALUE} if none yet (or a record is being written right now)
     */
    static long highestSeen(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = channel.size() - channel.size() % RECORD;
            if (end == 0) {
                return Long.MIN_VALUE;
            }
            ByteBuffer buffer = ByteBuffer.allocate(RECORD);
            channel.read(buffer, end - RECORD);
            return Entry.decode(new String(buffer.array(), StandardCharsets.US_ASCII)).highest();
        }
        catch (IOException | RuntimeException ex) {
            return Long.MIN_VALUE;
        }
    }

    /** Reads the whole journal, for the analysis after a run. */
    static List<Entry> journal(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        byte[] bytes = Files.readAllBytes(file);
        for (int offset = 0; offset + RECORD <= bytes.length; offset += RECORD) {
            entries.add(Entry.decode(new String(bytes, offset, RECORD, StandardCharsets.US_ASCII)));
        }
        return entries;
    }

    /**
     * One journal record.
     * @param kind {@code R} register, {@code G} read, {@code W} write
     * @param actor the worker thread, e.g. {@code w3.1}
     * @param token the fencing token it presented
     * @param time {@link System#nanoTime()} when the resource applied it
     * @param accepted whether it was accepted
     * @param highest the highest token seen after it
     * @param counter the counter after it
     * @param acceptedWrites the number of accepted writes after it
     */
    record Entry(char kind, String actor, long token, long time, boolean accepted, long highest, long counter,
            long acceptedWrites) {

        static final Entry EMPTY = new Entry('-', "-", 0, 0, true, Long.MIN_VALUE, 0, 0);

        byte[] encode() {
            String line = kind + " " + actor + " " + token + " " + time + " " + (accepted ? 'A' : 'X') + " "
                    + highest + " " + counter + " " + acceptedWrites;
            if (line.length() >= RECORD) {
                throw new IllegalStateException("Journal record too long: " + line);
            }
            return (line + " ".repeat(RECORD - 1 - line.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
        }

        static Entry decode(String record) {
            String[] f = record.trim().split(" ");
            return new Entry(f[0].charAt(0), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), f[4].equals("A"),
                    Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]));
        }
    }
}
