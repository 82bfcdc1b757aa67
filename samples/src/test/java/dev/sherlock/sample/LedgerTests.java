package dev.sherlock.sample;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockRegistry;
import dev.sherlock.sample.Ledger.Deposit;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application in one JVM: threads depositing into one account through {@code @DistributedLock} lose no
 * update, and every deposit's fencing token is in order.
 */
class LedgerTests extends SampleInOneJvm {

    @Autowired
    private Ledger ledger;

    @Autowired
    private LockRegistry registry;

    @Test
    void concurrentLockedDepositsAreAllCounted() throws Exception {
        Files.createDirectories(directory.resolve("accounts"));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<Deposit>> deposits = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                deposits.add(threads.submit(() -> ledger.deposit(7, System.nanoTime())));
            }
            for (Future<Deposit> deposit : deposits) {
                assertThat(deposit.get(1, TimeUnit.MINUTES).inOrder()).isTrue();
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(ledger.balance(7)).isEqualTo(200);
        assertThat(registry.getLock("account-7").locked()).isFalse();
        assertThat(registry).hasToString("LockRegistry (backend file, namespace 'sample')");
    }
}
