package dev.sherlock.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.sherlock.Lock;
import dev.sherlock.LockException;
import dev.sherlock.LockListener;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.LockTimeoutException;

/**
 * A worker process of the fault scenarios: its threads loop over one lock through a {@link LockRegistry}, and in
 * each hold register the fencing token with the {@link FencedResource}, read its counter, work a little, check
 * {@link Lock#isHeldByCurrentThread()}, work a little more, write the counter plus one, and release.
 *
 * <p>Each event goes to the worker's own log as one line, in one {@code write}, so a worker killed at any moment
 * leaves whole lines: {@code A} an acquisition (token, when its first attempt was sent, when acquire returned),
 * {@code H} a moment the hold was believed ({@link System#nanoTime()} just before an
 * {@code isHeldByCurrentThread()} that answered true), {@code O} the outcome of the hold, {@code E} a failed
 * acquire, {@code L} a lost-lock signal.
 *
 * <p>Arguments: backend kind, address, run directory, worker id, threads, expire in milliseconds. It stops when
 * the file {@code stop} appears in the run directory, or when its standard input closes (the test went away).
 */
public final class FaultWorker {

    static final String LOCK_NAME = "fenced-counter";

    static final String JOURNAL = "resource.journal";

    static final String STOP = "stop";

    private final FileChannel log;

    private final FencedResource resource;

    private final SendTimes backend;

    private final LockRegistry registry;

    private final Path stop;

    private final String id;

    private final long expireMillis;

    private FaultWorker(Path directory, String id, SendTimes backend, Duration expire) throws IOException {
        this.id = id;
        this.expireMillis = expire.toMillis();
        this.log = FileChannel.open(directory.resolve(id + ".log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.resource = new FencedResource(directory.resolve(JOURNAL));
        this.backend = backend;
        this.stop = directory.resolve(STOP);
        LockSettings settings = LockSettings.defaults().withExpire(expire).withTimeout(Duration.ofSeconds(2))
                .withRetryInterval(Duration.ofMillis(100));
        this.registry = LockRegistry.of(backend, "faults", settings);
        registry.addListener(new LockListener() {
            @Override
            public void lost(String name, LockLostException cause) {
                line("L - " + System.nanoTime());
            }
        });
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[2]);
        int threads = Integer.parseInt(args[4]);
        Duration expire = Duration.ofMillis(Long.parseLong(args[5]));
        exitWhenStandardInputCloses();
        try (WorkerBackends.Opened opened = WorkerBackends.open(args[0], args[1])) {
            FaultWorker worker = new FaultWorker(directory, args[3], new SendTimes(opened.backend()), expire);
            worker.line("P " + ProcessHandle.current().pid());
            List<Thread> running = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String actor = args[3] + "." + i;
                Thread thread = new Thread(() -> worker.loop(actor), actor);
                thread.start();
                running.add(thread);
            }
            for (Thread thread : running) {
                thread.join();
            }
            worker.resource.close();
        }
        System.exit(0);
    }

    private void loop(String actor) {
        Lock lock = registry.getLock(LOCK_NAME);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long seq = 1; !Files.exists(stop); seq++) {
            try {
                lock.acquire();
            }
            catch (LockTimeoutException ex) {
                line("E " + actor + " timeout " + System.nanoTime());
                continue;
            }
            catch (LockException ex) {
                line("E " + actor + " " + ex.getClass().getSimpleName() + " " + System.nanoTime());
                pause(100);
                continue;
            }
            long returned = System.nanoTime();
            long token = lock.fencingToken();
            line("A " + actor + " " + seq + " " + token + " " + backend.takeFirstSent(token) + " " + returned);
            String outcome = hold(lock, actor, seq, token, random);
            line("O " + actor + " " + seq + " " + outcome + "/" + release(lock));
            pause(random.nextInt(20));
        }
    }

    private String hold(Lock lock, String actor, long seq, long token, ThreadLocalRandom random) {
        if (!believed(lock, actor, seq)) {
            return "lost-before-register";
        }
        if (!resource.register(actor, token).accepted()) {
            return "register-rejected";
        }
        FencedResource.Outcome read = resource.read(actor, token);
        if (!read.accepted()) {
            return "read-rejected";
        }
        // Most holds are short; one in eight outlives a renewal or two, so renewal runs under the faults too.
        pause(random.nextInt(8) == 0 ? expireMillis / 3 + random.nextLong(expireMillis / 2) : 5 + random.nextInt(45));
        if (!believed(lock, actor, seq)) {
            return "lost-before-write";
        }
        // Work between the last check and the write, as real code has: a pause here is what fencing is for.
        pause(20 + random.nextInt(60));
        if (!resource.write(actor, token, read.counter() + 1).accepted()) {
            return "write-rejected";
        }
        believed(lock, actor, seq);
        return "written";
    }

    private boolean believed(Lock lock, String actor, long seq) {
        long before = System.nanoTime();
        boolean held = lock.isHeldByCurrentThread();
        if (held) {
            line("H " + actor + " " + seq + " " + before);
        }
        return held;
    }

    private static String release(Lock lock) {
        try {
            lock.release();
            return "released";
        }
        catch (LockLostException ex) {
            return "lost";
        }
        catch (LockException ex) {
            return "release-error";
        }
    }

    private synchronized void line(String text) {
        ByteBuffer bytes = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.US_ASCII));
        try {
            while (bytes.hasRemaining()) {
                log.write(bytes);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Worker " + id + " cannot write its log", ex);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** A worker must not outlive the test that started it, even if that test was killed. */
    private static void exitWhenStandardInputCloses() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the test never writes; only the end of input matters
                }
            }
            catch (IOException ex) {
                // same as end of input
            }
            Runtime.getRuntime().halt(3);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }
}
