package dev.sherlock.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.spring.aop.CurrentLock;

import org.springframework.stereotype.Service;

/**
 * Accounts kept in files shared by every worker process: a deposit reads the balance, works a little and writes the
 * balance plus one. Two deposits into one account that overlap lose one of them, unless the account's lock is held.
 *
 * <p>Each account file also keeps the highest fencing token that wrote it: a deposit whose token is not greater was
 * made by a holder that lost its lock, and counts as out of order.
 */
@Service
public class Ledger {

    private final SampleProperties properties;

    public Ledger(SampleProperties properties) {
        this.properties = properties;
    }

    /**
     * Deposits one unit while holding the account's lock, e.g. {@code account-2}.
     * @param account the account number
     * @param requestedAt {@link System#nanoTime()} just before the call, to measure how long acquiring took
     * @return how long the lock took to acquire and whether the fencing token was in order
     */
    @DistributedLock(name = "account-#{#account}")
    public Deposit deposit(int account, long requestedAt) {
        long waited = System.nanoTime() - requestedAt;
        long token = CurrentLock.get().fencingToken();
        return apply(account, token, waited);
    }

    /**
     * The same deposit without the lock, to show what the lock prevents.
     * @param account the account number
     * @return the deposit, with fencing not checked
     */
    public Deposit depositUnlocked(int account) {
        return apply(account, 0, 0);
    }

    /**
     * The balance of an account.
     * @param account the account number
     * @return the balance
     */
    public long balance(int account) {
        return read(file(account)).balance();
    }

    private Deposit apply(int account, long token, long waited) {
        Path file = file(account);
        Balance before = read(file);
        pause(properties.work());
        // The fencing check belongs to the write, as a store would make it: the writer's token against the last one
        // the account accepted.
        Balance atWrite = read(file);
        boolean inOrder = token == 0 || token > atWrite.lastToken();
        write(file, new Balance(before.balance() + 1, Math.max(token, atWrite.lastToken())));
        return new Deposit(waited, inOrder);
    }

    private Path file(int account) {
        return properties.dataDirectory().resolve("account-" + account);
    }

    private static Balance read(Path file) {
        try {
            String[] fields = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            return new Balance(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
        }
        catch (NoSuchFileException ex) {
            return new Balance(0, 0);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read " + file, ex);
        }
    }

    private static void write(Path file, Balance balance) {
        try {
            Path next = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".next");
            Files.writeString(next, balance.balance() + " " + balance.lastToken() + "\n", StandardCharsets.US_ASCII);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot write " + file, ex);
        }
    }

    private static void pause(Duration work) {
        try {
            TimeUnit.NANOSECONDS.sleep(work.toNanos());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during a deposit", ex);
        }
    }

    private record Balance(long balance, long lastToken) {
    }

    /**
     * One deposit's outcome.
     * @param waitedNanos how long acquiring the lock took
     * @param inOrder whether its fencing token was greater than every earlier one of the account
     */
    public record Deposit(long waitedNanos, boolean inOrder) {
    }
}
