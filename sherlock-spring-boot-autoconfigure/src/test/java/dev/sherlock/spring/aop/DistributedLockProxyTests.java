package dev.sherlock.spring.aop;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.BackendLock;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

class DistributedLockProxyTests {

    @TempDir
    Path directory;

    @Test
    void classProxyHoldsLockDuringCall() {
        LockContext locks = new LockContext(directory);
        locks.runner().withBean(Ledger.class, () -> new Ledger(locks)).run(context -> {
            Ledger ledger = context.getBean(Ledger.class);
            assertThat(AopUtils.isCglibProxy(ledger)).isTrue();
            assertThat(ledger.post()).isTrue();
            assertThat(locks.registry.getLock("ledger").locked()).isFalse();
        });
    }

    @Test
    void interfaceProxyHoldsLockOfAnnotationOnImplementation() {
        LockContext locks = new LockContext(directory);
        interfaceProxies(locks).withBean(Posting.class, () -> new Ledger(locks)).run(context -> {
            Posting posting = context.getBean(Posting.class);
            assertThat(AopUtils.isJdkDynamicProxy(posting)).isTrue();
            assertThat(posting.post()).isTrue();
        });
    }

    @Test
    void interfaceProxyHoldsLockOfAnnotationOnInterface() {
        LockContext locks = new LockContext(directory);
        interfaceProxies(locks).withBean(Archiving.class, () -> new Archive(locks)).run(context -> {
            Archiving archive = context.getBean(Archiving.class);
            assertThat(AopUtils.isJdkDynamicProxy(archive)).isTrue();
            assertThat(archive.archive(5)).isTrue();
        });
    }

    @Test
    void classProxyHoldsLockOfAnnotationOnInterface() {
        LockContext locks = new LockContext(directory);
        locks.runner().withBean(Archive.class, () -> new Archive(locks)).run(context -> {
            Archive archive = context.getBean(Archive.class);
            assertThat(AopUtils.isCglibProxy(archive)).isTrue();
            assertThat(archive.archive(5)).isTrue();
        });
    }

    @Test
    void exceptionsPassThroughUnchangedAndLockIsReleased() {
        LockContext locks = new LockContext(directory);
        locks.runner().withBean(Ledger.class, () -> new Ledger(locks)).run(context -> {
            Ledger ledger = context.getBean(Ledger.class);
            IOException checked = new IOException("disk full");
            assertThat(catchThrowable(() -> ledger.fail(checked))).isSameAs(checked).hasNoSuppressedExceptions();
            assertThat(locks.registry.getLock("ledger").locked()).isFalse();
            IllegalStateException unchecked = new IllegalStateException("bad state");
            assertThat(catchThrowable(() -> ledger.fail(unchecked))).isSameAs(unchecked);
            assertThat(locks.registry.getLock("ledger").locked()).isFalse();
            assertThat(ledger.post()).isTrue();
        });
    }

    @Test
    void nestedCallWithSameNameReentersInsteadOfDeadlocking() {
        LockContext locks = new LockContext(directory);
        locks.runner().withBean(Ledger.class, () -> new Ledger(locks)).withBean(Batch.class).run(context -> {
            Batch batch = context.getBean(Batch.class);
            assertThat(batch.postTwice()).containsExactly(true, true);
            assertThat(locks.registry.getLock("ledger").locked()).isFalse();
        });
    }

    @Test
    void lockLostDuringCallIsReportedOnReturn() {
        LockContext locks = new LockContext(directory, LockSettings.defaults().withAutoRenew(false));
        locks.runner().withBean(Expiring.class, () -> new Expiring(locks)).run(context -> {
            Expiring expiring = context.getBean(Expiring.class);
            assertThatExceptionOfType(LockLostException.class).isThrownBy(() -> expiring.outlive(null))
                .withMessage("Lock 'short' (backend file): was lost before it was released (expired or taken over)."
                        + " The integrity of data protected by this lock may have been compromised");
        });
    }

    @Test
    void lockLostDuringFailingCallIsSuppressedIntoMethodException() {
        LockContext locks = new LockContext(directory, LockSettings.defaults().withAutoRenew(false));
        locks.runner().withBean(Expiring.class, () -> new Expiring(locks)).run(context -> {
            Expiring expiring = context.getBean(Expiring.class);
            IllegalStateException failure = new IllegalStateException("failed late");
            assertThat(catchThrowable(() -> expiring.outlive(failure))).isSameAs(failure)
                .satisfies(thrown -> assertThat(thrown.getSuppressed()).singleElement()
                    .isInstanceOf(LockLostException.class));
        });
    }

    @Test
    void registryIsLookedUpOnceWhenEverySingletonExists() {
        LockContext locks = new LockContext(directory);
        AtomicInteger lookups = new AtomicInteger();
        new ApplicationContextRunner().withBean(DistributedLockBeanPostProcessor.class,
                () -> {
                    DistributedLockBeanPostProcessor processor = new DistributedLockBeanPostProcessor(() -> {
                        lookups.incrementAndGet();
                        return locks.registry;
                    });
                    processor.setProxyTargetClass(true);
                    return processor;
                })
            .withBean(Ledger.class, () -> new Ledger(locks))
            .run(context -> {
                assertThat(lookups).as("checked at startup").hasValue(1);
                Ledger ledger = context.getBean(Ledger.class);
                ledger.post();
                ledger.post();
                assertThat(lookups).hasValue(1);
            });
    }

    private static ApplicationContextRunner interfaceProxies(LockContext locks) {
        return new ApplicationContextRunner().withBean(LockRegistry.class, () -> locks.registry)
            .withBean(DistributedLockBeanPostProcessor.class, () -> {
                DistributedLockBeanPostProcessor processor = new DistributedLockBeanPostProcessor(() -> locks.registry);
                processor.setProxyTargetClass(false);
                return processor;
            });
    }

    interface Posting {

        boolean post();
    }

    static class Ledger implements Posting {

        private final LockContext locks;

        Ledger(LockContext locks) {
            this.locks = locks;
        }

        @Override
        @DistributedLock(name = "ledger", timeout = "0")
        public boolean post() {
            return locks.heldHere("ledger");
        }

        @DistributedLock(name = "ledger", timeout = "0")
        public void fail(Exception failure) throws Exception {
            throw failure;
        }
    }

    static class Batch {

        private final Ledger ledger;

        Batch(Ledger ledger) {
            this.ledger = ledger;
        }

        @DistributedLock(name = "ledger", timeout = "0")
        public List<Boolean> postTwice() {
            List<Boolean> posted = new ArrayList<>();
            posted.add(ledger.post());
            posted.add(ledger.post());
            return posted;
        }
    }

    interface Archiving {

        @DistributedLock(name = "archive-#{#year}")
        boolean archive(int year);
    }

    static class Archive implements Archiving {

        private final LockContext locks;

        Archive(LockContext locks) {
            this.locks = locks;
        }

        @Override
        public boolean archive(int year) {
            return locks.heldHere("archive-" + year);
        }
    }

    static class Expiring {

        private final LockContext locks;

        Expiring(LockContext locks) {
            this.locks = locks;
        }

        /** Holds "short" past its expiry until another process has taken it over, then returns or throws. */
        @DistributedLock(name = "short", expire = "200ms")
        public void outlive(RuntimeException failure) {
            BackendLock otherProcess = new BackendLock("short", locks.backend, null, LockSettings.defaults());
            // Polled on this thread: the handle's hold belongs to the thread that acquires it.
            await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> otherProcess.acquire(false));
            otherProcess.release();
            if (failure != null) {
                throw failure;
            }
        }
    }
}
