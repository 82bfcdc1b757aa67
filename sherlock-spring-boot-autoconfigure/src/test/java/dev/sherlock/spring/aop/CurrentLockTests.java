package dev.sherlock.spring.aop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.Lock;
import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class CurrentLockTests {

    @TempDir
    Path directory;

    private LockContext locks;

    @BeforeEach
    void setUp() {
        locks = new LockContext(directory);
    }

    @Test
    void anAnnotatedMethodSeesItsOwnHoldAndFencingToken() {
        locks.runner().withUserConfiguration(Beans.class).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);

            Seen seen = invoices.bill(42);

            assertThat(seen.name()).isEqualTo("invoice-42");
            assertThat(seen.held()).isTrue();
            assertThat(seen.token()).isPositive();
            assertThat(invoices.bill(42).token()).isGreaterThan(seen.token());
        });
    }

    @Test
    void aNestedMethodSeesItsOwnLockAndTheOuterOneAfterItReturns() {
        locks.runner().withUserConfiguration(Beans.class).run(context -> {
            Billing billing = context.getBean(Billing.class);
            List<Seen> seen = new ArrayList<>();

            billing.month(7, seen);

            assertThat(seen).extracting(Seen::name).containsExactly("month-7", "invoice-1", "month-7");
            assertThat(seen.get(0).token()).isEqualTo(seen.get(2).token());
        });
    }

    @Test
    void outsideAnAnnotatedMethodThereIsNoCurrentLock() {
        locks.runner().withUserConfiguration(Beans.class).run(context -> {
            context.getBean(Invoices.class).bill(1);

            assertThatIllegalStateException().isThrownBy(CurrentLock::get)
                    .withMessageContaining("No @DistributedLock method is running on thread '"
                            + Thread.currentThread().getName() + "'");
        });
    }

    @Test
    void aMethodThatThrowsLeavesNoCurrentLockBehind() {
        locks.runner().withUserConfiguration(Beans.class).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);

            assertThatIllegalStateException().isThrownBy(() -> invoices.fail(3)).withMessage("failed");

            assertThatIllegalStateException().isThrownBy(CurrentLock::get);
            assertThat(locks.registry.getLock("invoice-3").locked()).isFalse();
        });
    }

    record Seen(String name, boolean held, long token) {

        static Seen now() {
            Lock lock = CurrentLock.get();
            return new Seen(lock.name(), lock.isHeldByCurrentThread(), lock.fencingToken());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Beans {

        @Bean
        Invoices invoices() {
            return new Invoices();
        }

        @Bean
        Billing billing(Invoices invoices) {
            return new Billing(invoices);
        }
    }

    static class Invoices {

        @DistributedLock(name = "invoice-#{#id}")
        public Seen bill(long id) {
            return Seen.now();
        }

        @DistributedLock(name = "invoice-#{#id}")
        public void fail(long id) {
            throw new IllegalStateException("failed");
        }
    }

    static class Billing {

        private final Invoices invoices;

        Billing(Invoices invoices) {
            this.invoices = invoices;
        }

        @DistributedLock(name = "month-#{#month}")
        public void month(int month, List<Seen> seen) {
            seen.add(Seen.now());
            seen.add(invoices.bill(1));
            seen.add(Seen.now());
        }
    }
}
