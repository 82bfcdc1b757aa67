package dev.sherlock.spring.aop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.LockException;
import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DistributedLockNameTests {

    @TempDir
    Path directory;

    private LockContext locks;

    @BeforeEach
    void setUp() {
        locks = new LockContext(directory);
    }

    @Test
    void nameExpressionUsesArgumentByName() {
        locks.runner().withBean(Invoices.class, () -> new Invoices(locks)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.settle(42);
            assertThat(invoices.held()).containsExactly("invoice-42");
            assertThat(locks.registry.getLock("invoice-42").locked()).isFalse();
        });
    }

    @Test
    void nameExpressionUsesArgumentsByPositionAndProperty() {
        locks.runner().withBean(Invoices.class, () -> new Invoices(locks)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.place(new Order("acme", 7));
            assertThat(invoices.held()).containsExactly("order-acme-7");
        });
    }

    @Test
    void hashOutsideExpressionStaysLiteral() {
        locks.runner().withBean(Invoices.class, () -> new Invoices(locks)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.job(3);
            invoices.literal();
            assertThat(invoices.held()).containsExactly("job#1-3", "a#b{c}#");
        });
    }

    @Test
    void nullArgumentRendersAsNothing() {
        locks.runner().withBean(Invoices.class, () -> new Invoices(locks)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.settleNamed(null);
            assertThat(invoices.held()).containsExactly("invoice-");
        });
    }

    @Test
    void failingExpressionDoesNotCallMethod() {
        locks.runner().withBean(Invoices.class, () -> new Invoices(locks)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            assertThatExceptionOfType(LockException.class).isThrownBy(() -> invoices.broken(null))
                .withMessage("@DistributedLock on DistributedLockNameTests.Invoices.broken(Order): 'name'"
                        + " 'order-#{#order.customer}' could not be evaluated: EL1007E: Property or field 'customer'"
                        + " cannot be found on null. The method was not called");
            assertThat(invoices.held()).isEmpty();
        });
    }

    @Test
    void invalidTemplateFailsAtStartup() {
        locks.runner().withBean(Unclosed.class).run(context -> assertThat(context).hasFailed()
            .getFailure()
            .rootCause()
            .hasMessage("@DistributedLock on DistributedLockNameTests.Unclosed.run(long): 'name' 'invoice-#{#id'"
                    + " is not a valid template: No ending suffix '}' for expression starting at character 8:"
                    + " #{#id"));
    }

    @Test
    void emptyNameFailsAtStartup() {
        locks.runner().withBean(Empty.class).run(context -> assertThat(context).hasFailed()
            .getFailure()
            .rootCause()
            .hasMessage("@DistributedLock on DistributedLockNameTests.Empty.run(): 'name' must not be empty"));
    }

    record Order(String customer, int number) {
    }

    static class Invoices {

        private final List<String> held = new ArrayList<>();

        private final LockContext locks;

        Invoices(LockContext locks) {
            this.locks = locks;
        }

        @DistributedLock(name = "invoice-#{#id}")
        public void settle(long id) {
            record("invoice-" + id);
        }

        @DistributedLock(name = "invoice-#{#id}")
        public void settleNamed(String id) {
            record("invoice-");
        }

        @DistributedLock(name = "order-#{#p0.customer}-#{#order.number}")
        public void place(Order order) {
            record("order-" + order.customer() + "-" + order.number());
        }

        @DistributedLock(name = "order-#{#order.customer}")
        public void broken(Order order) {
            held.add("called");
        }

        @DistributedLock(name = "job#1-#{#a0}")
        public void job(int id) {
            record("job#1-" + id);
        }

        @DistributedLock(name = "a#b{c}#")
        public void literal() {
            record("a#b{c}#");
        }

        public List<String> held() {
            return held;
        }

        private void record(String expected) {
            if (locks.heldHere(expected)) {
                held.add(expected);
            }
        }
    }

    static class Unclosed {

        @DistributedLock(name = "invoice-#{#id")
        public void run(long id) {
        }
    }

    static class Empty {

        @DistributedLock(name = "")
        public void run() {
        }
    }
}
