package dev.sherlock.spring.aop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.LockTimeoutException;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.annotation.DistributedLock.OnFailure;
import dev.sherlock.spring.aop.RecordingBackend.Attempt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class DistributedLockPolicyTests {

    @TempDir
    Path directory;

    private LockContext locks;

    /** Another process's hold on "report": an independent handle contends exactly as one would. */
    private BackendLock otherProcess;

    @BeforeEach
    void setUp() {
        locks = new LockContext(directory);
        otherProcess = new BackendLock("report", locks.backend, null, LockSettings.defaults());
    }

    @AfterEach
    void tearDown() {
        if (otherProcess.isHeldByCurrentThread()) {
            otherProcess.release();
        }
    }

    @Test
    void skipReturnsNullWithoutCallingMethodWhenLockIsHeldElsewhere() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            otherProcess.acquire();
            assertThat(reports.skipping()).isNull();
            assertThat(reports.calls()).isZero();
        });
    }

    @Test
    void skipReturnsEmptyOptionalForOptionalMethod() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            otherProcess.acquire();
            assertThat(reports.optional()).isEmpty();
            reports.nothing();
            assertThat(reports.calls()).isZero();
        });
    }

    @Test
    void skipCallsMethodWhenLockIsFree() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            assertThat(reports.skipping()).isEqualTo("report 1");
            assertThat(reports.optional()).contains("report 2");
            assertThat(locks.registry.getLock("report").locked()).isFalse();
        });
    }

    @Test
    void throwPolicyThrowsLockTimeoutWithoutCallingMethod() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            otherProcess.acquire();
            assertThatExceptionOfType(LockTimeoutException.class).isThrownBy(reports::throwing)
                .withMessage("Lock 'report' (backend file): not acquired within PT0S; someone else holds it");
            assertThat(reports.calls()).isZero();
        });
    }

    @Test
    void zeroTimeoutMakesOneAttempt() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            otherProcess.acquire();
            int before = locks.attempts("report");
            reports.skipping();
            assertThat(locks.attempts("report") - before).isOne();
        });
    }

    @Test
    void timeoutPlaceholderIsResolvedFromEnvironment() {
        locks.runner().withPropertyValues("reports.timeout=0").withBean(ConfiguredReports.class).run(context -> {
            ConfiguredReports reports = context.getBean(ConfiguredReports.class);
            otherProcess.acquire();
            int before = locks.attempts("report");
            assertThat(reports.configured()).isNull();
            assertThat(locks.attempts("report") - before).isOne();
        });
    }

    @Test
    void expireOverridesReachBackend() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            reports.skipping();
            reports.shortLived();
            reports.everlasting();
            assertThat(locks.backend.attempts(locks.backend.key(null, "report"))).extracting(Attempt::expire)
                .containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(5), null);
        });
    }

    @Test
    void timeoutOverrideWaitsForHolderToRelease() {
        locks.runner().withBean(Reports.class).run(context -> {
            Reports reports = context.getBean(Reports.class);
            otherProcess.acquire();
            int before = locks.attempts("report");
            FutureTask<String> call = new FutureTask<>(reports::patient);
            new Thread(call).start();
            await().atMost(Duration.ofSeconds(10)).until(() -> locks.attempts("report") > before);
            assertThat(call).isNotDone();
            otherProcess.release();
            assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("report 1");
        });
    }

    static class Reports {

        private final AtomicInteger calls = new AtomicInteger();

        @DistributedLock(name = "report", timeout = "0", onFailure = OnFailure.SKIP)
        public String skipping() {
            return "report " + calls.incrementAndGet();
        }

        @DistributedLock(name = "report", timeout = "0", onFailure = OnFailure.SKIP)
        public Optional<String> optional() {
            return Optional.of("report " + calls.incrementAndGet());
        }

        @DistributedLock(name = "report", timeout = "0", onFailure = OnFailure.SKIP)
        public void nothing() {
            calls.incrementAndGet();
        }

        @DistributedLock(name = "report", timeout = "0")
        public String throwing() {
            return "report " + calls.incrementAndGet();
        }

        @DistributedLock(name = "report", expire = "5s")
        public void shortLived() {
        }

        @DistributedLock(name = "report", expire = "0")
        public void everlasting() {
        }

        @DistributedLock(name = "report", timeout = "PT30S")
        public String patient() {
            return "report " + calls.incrementAndGet();
        }

        public int calls() {
            return calls.get();
        }
    }

    static class ConfiguredReports {

        @DistributedLock(name = "report", timeout = "${reports.timeout}", onFailure = OnFailure.SKIP)
        public String configured() {
            return "report";
        }
    }
}
